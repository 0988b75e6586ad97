"""The Teams app package (``kiun teams package``): manifest.json, en-us.json and the two icons in one zip.

The manifest (schema v1.23) is in Japanese with an English localization file. Its bot lists kiun's commands as
the router registered them (``/kiun help`` and its words, ``/idea``, ``/ideas``, ``/ask``, ``home``), with the
help texts of the message catalogue. Both files are validated against the JSON schemas shipped in ``schema/``
(no network) before anything is written; a problem names the file and the path inside it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema.validators import validator_for

from bot import __version__
from bot.app.config import Settings
from bot.chat.i18n import catalogue, t
from bot.chat.router import Router
from bot.platforms.teams import icons

MANIFEST_VERSION = "1.23"
SCHEMA_URL = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.23/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.23/MicrosoftTeams.Localization.schema.json"
)
SCHEMA_DIR = Path(__file__).with_name("schema")
DEFAULT_LANGUAGE, ENGLISH = "ja-jp", "en-us"
MANIFEST, LOCALIZATION, COLOR, OUTLINE = "manifest.json", f"{ENGLISH}.json", "color.png", "outline.png"
SCOPES = ("personal", "team", "groupChat")
PERSONAL_ONLY = {"home"}  # the home card lives in the 1:1 chat
# The command menu's limits as Microsoft documents them up to manifest v1.19 (v1.22's schema allows 128 and 4,000):
# kiun keeps to the stricter ones, which every Teams client shows in full.
TITLE_MAX, DESCRIPTION_MAX, COMMANDS_MAX = 32, 128, 10
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_CODE = re.compile(r"`([^`]*)`")
_NAMED_SCHEMAS = ("properties", "patternProperties", "definitions", "dependencies")
_ANNOTATIONS = ("description", "default", "examples", "title")


class ManifestError(Exception):
    """The package failed validation; ``problems`` are one line each: ``file: path: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} more)")
        self.problems = problems


@dataclass(frozen=True)
class Command:
    """One entry of the command menu: the words a person sends and the catalogue key of its help line."""

    title: str
    key: str

    def description(self, lang: str) -> str:
        """The help line as plain text: ``/idea 提案`` — … becomes ``idea 提案 — …`` (the slash is optional)."""
        return _CODE.sub(lambda match: match.group(1).removeprefix("/"), t(self.key, lang))


def commands(router: Router) -> list[Command]:
    """kiun's commands as the router has them: ``kiun help``, the other commands, then ``kiun <word>``.

    Unlisted commands (the Home tab's ``home``) appear when the catalogue has ``teams.command.<name>``."""
    found: list[Command] = []
    for name in router.commands:
        if name == "kiun":
            found.append(Command("kiun help", "help.command.kiun"))
        elif name not in router.unlisted:
            found.append(Command(name, f"help.command.{name}"))
        elif f"teams.command.{name}" in catalogue():
            found.append(Command(name, f"teams.command.{name}"))
    found += [Command(f"kiun {word}", f"help.kiun.{word}") for word in router.subcommands]
    return found


def _lists(menu: list[Command]) -> list[tuple[str, list[Command]]]:
    """One command list per scope (Teams asks for that); ``home`` only in the 1:1 chat."""
    return [(scope, [c for c in menu if scope == "personal" or c.title not in PERSONAL_ONLY]) for scope in SCOPES]


def build_manifest(settings: Settings, menu: list[Command], version: str = __version__) -> tuple[dict, dict]:
    """manifest.json (Japanese) and en-us.json for the app ``TEAMS_APP_ID``, not yet validated."""
    name = settings.teams_app_name
    lists = _lists(menu)
    manifest: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": settings.teams_app_id,
        "localizationInfo": {
            "defaultLanguageTag": DEFAULT_LANGUAGE,
            "additionalLanguages": [{"languageTag": ENGLISH, "file": LOCALIZATION}],
        },
        "developer": {
            "name": settings.teams_developer_name,
            "websiteUrl": settings.teams_developer_url,
            "privacyUrl": settings.teams_privacy,
            "termsOfUseUrl": settings.teams_terms,
        },
        "name": {"short": name, "full": t("teams.app.name_full", "ja", name=name)},
        "description": {
            "short": t("teams.app.description_short", "ja"),
            "full": t("teams.app.description_full", "ja"),
        },
        "icons": {"color": COLOR, "outline": OUTLINE},
        "accentColor": icons.ACCENT,
        "bots": [
            {
                "botId": settings.teams_app_id,
                "scopes": list(SCOPES),
                "supportsFiles": True,  # files attached in the 1:1 chat (the DX office's content)
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": [scope], "commands": [_entry(c, "ja") for c in entries]} for scope, entries in lists
                ],
            }
        ],
        "validDomains": [settings.teams_bot_domain] if settings.teams_bot_domain else [],
        # Graph's TeamsAppInstallation.ReadWriteSelfForUser.All (installing kiun for staff who have not) needs the
        # manifest to name the app's Entra ID app; the resource is the bot's conventional Application ID URI.
        "webApplicationInfo": {"id": settings.teams_app_id, "resource": f"api://botid-{settings.teams_app_id}"},
    }
    english: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA_URL,
        "name.short": name,
        "name.full": t("teams.app.name_full", "en", name=name),
        "description.short": t("teams.app.description_short", "en"),
        "description.full": t("teams.app.description_full", "en"),
    }
    for i, (_, entries) in enumerate(lists):
        for j, command in enumerate(entries):
            english[f"bots[0].commandLists[{i}].commands[{j}].title"] = command.title
            english[f"bots[0].commandLists[{i}].commands[{j}].description"] = command.description("en")
    return manifest, english


def _entry(command: Command, lang: str) -> dict[str, str]:
    return {"title": command.title, "description": command.description(lang)}


def validate(manifest: dict, english: dict) -> list[str]:
    """Every problem with the two files, ``file: path: message``, schema errors first; empty when valid."""
    problems = [f"{MANIFEST}: {problem}" for problem in _schema_problems("MicrosoftTeams.schema.json", manifest)]
    problems += [f"{LOCALIZATION}: {p}" for p in _schema_problems("MicrosoftTeams.Localization.schema.json", english)]
    if not _SEMVER.match(str(manifest.get("version", ""))):
        problems.append(f"{MANIFEST}: version: {manifest.get('version')!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    bots = manifest.get("bots") or [{}]
    for i, command_list in enumerate(bots[0].get("commandLists", [])):
        path = f"bots[0].commandLists[{i}].commands"
        if len(command_list["commands"]) > COMMANDS_MAX:
            problems.append(f"{MANIFEST}: {path}: {len(command_list['commands'])} commands, Teams shows {COMMANDS_MAX}")
        for j, command in enumerate(command_list["commands"]):
            for field, limit in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
                problems += _too_long(MANIFEST, f"{path}[{j}].{field}", command.get(field, ""), limit)
                key = f"{path}[{j}].{field}"
                problems += _too_long(LOCALIZATION, key, english.get(key, ""), limit)
    return problems


def _too_long(file: str, path: str, text: str, limit: int) -> list[str]:
    return [f"{file}: {path}: {len(text)} characters, at most {limit}: {text!r}"] if len(text) > limit else []


def _schema_problems(schema_file: str, document: dict) -> list[str]:
    validator = _validator(schema_file)
    errors = sorted(validator.iter_errors(document), key=lambda error: [str(part) for part in error.absolute_path])
    return [f"{_path(error.absolute_path) or '(top level)'}: {_short(error.message)}" for error in errors]


def _short(message: str, limit: int = 200) -> str:
    """One readable line (an unknown localization key's message lists every allowed pattern)."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _path(parts: Any) -> str:
    """``bots[0].commandLists[0].commands[3].title`` from the error's path (a localization key stays whole)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@cache
def _validator(schema_file: str) -> Any:
    """A validator for the shipped schema, read as its authors meant it.

    The files declare draft-04, under which a keyword beside ``$ref`` is ignored (so ``name.short``'s 30
    characters in the localization schema would go unchecked) and ``const`` does not exist (``manifestVersion``).
    Each ``{"$ref": …, …}`` becomes ``{"allOf": [{"$ref": …}, {…}]}`` and ``const`` becomes a one-value ``enum``,
    which draft-04 checks. Every ``$ref`` in both files points inside the same file; nothing is fetched.

    The result is checked against the draft's meta-schema without its ``regex`` format: a few Office-extension
    patterns use ECMAScript's ``\\p{L}``, which Python's ``re`` cannot compile (a kiun manifest never reaches them)."""
    schema = _strict(json.loads((SCHEMA_DIR / schema_file).read_text(encoding="utf-8")))
    cls = validator_for(schema)
    cls(cls.META_SCHEMA).validate(schema)
    return cls(schema)


def _strict(node: Any) -> Any:
    """``node`` (a schema) with ``$ref`` siblings under ``allOf`` and ``const`` as ``enum``, recursively."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _strict_value(key, value) for key, value in node.items()}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "$ref" in node and len(node) > 1:
        ref = node.pop("$ref")
        siblings = {key: node.pop(key) for key in list(node) if key not in _ANNOTATIONS}
        node["allOf"] = [{"$ref": ref}, siblings] if siblings else [{"$ref": ref}]
    return node


def _strict_value(keyword: str, value: Any) -> Any:
    if keyword in _NAMED_SCHEMAS and isinstance(value, dict):  # names → schemas (a property may be named "default")
        return {name: _strict(schema) for name, schema in value.items()}
    return value if keyword in _ANNOTATIONS or keyword == "enum" else _strict(value)


def build_package(settings: Settings, router: Router, version: str = __version__) -> bytes:
    """The zip to upload (manifest.json, en-us.json, color.png, outline.png at its root).

    Raises :class:`ManifestError` with every problem when the manifest is not valid."""
    manifest, english = build_manifest(settings, commands(router), version)
    problems = validate(manifest, english)
    if problems:
        raise ManifestError(problems)
    files = {
        MANIFEST: _json(manifest),
        LOCALIZATION: _json(english),
        COLOR: icons.color_icon(),
        OUTLINE: icons.outline_icon(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            # a fixed date: the same settings give the same bytes
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
