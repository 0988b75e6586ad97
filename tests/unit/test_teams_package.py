"""``kiun teams package``: a manifest valid against the shipped v1.23 schema, command lists in Japanese and
English from the router, ids from settings, the two icons, and an invalid package reported and never written."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from PIL import Image

from bot.app.config import Settings, load_settings
from bot.cli import main
from bot.features import build_router
from bot.platforms.teams.package import (
    SCHEMA_DIR,
    ManifestError,
    build_manifest,
    build_package,
    commands,
    validate,
)

APP_ID = "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"
SITE = "https://www.city.chikuma.example.jp/"
TEAMS = {
    "TEAMS_APP_ID": APP_ID,
    "TEAMS_DEVELOPER_URL": SITE,
    "TEAMS_PRIVACY_URL": "https://www.city.chikuma.example.jp/privacy.html",
    "TEAMS_BOT_DOMAIN": "kiun.city.chikuma.example.jp",
    "TEAMS_APP_NAME": "機運くん",
}
KANA = re.compile(r"[ぁ-んァ-ン]")
EXPECTED_TITLES = [
    "kiun help",
    "home",
    "idea",
    "ideas",
    "ask",
    "kiun lesson",
    "kiun lessons",
    "kiun review",
    "kiun poll",
]


def settings(**overrides: str) -> Settings:
    return load_settings(_env_file=None, **{**TEAMS, **overrides})


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return unpack(build_package(settings(), build_router()))


def test_the_zip_holds_the_four_files_at_its_root(files: dict[str, bytes]) -> None:
    assert sorted(files) == ["color.png", "en-us.json", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["icons"].values()) == {"color.png", "outline.png"}
    assert [language["file"] for language in manifest["localizationInfo"]["additionalLanguages"]] == ["en-us.json"]


def test_manifest_and_localization_are_valid_against_the_shipped_schemas(files: dict[str, bytes]) -> None:
    manifest, english = json.loads(files["manifest.json"]), json.loads(files["en-us.json"])
    assert validate(manifest, english) == []
    # and against the files exactly as Microsoft ships them, with the validator their $schema names
    for schema_file, document in (
        ("MicrosoftTeams.schema.json", manifest),
        ("MicrosoftTeams.Localization.schema.json", english),
    ):
        schema = json.loads((SCHEMA_DIR / schema_file).read_text(encoding="utf-8"))
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
        assert [error.message for error in Draft4Validator(schema).iter_errors(document)] == []
    assert manifest["$schema"].endswith("/teams/v1.23/MicrosoftTeams.schema.json")
    assert english["$schema"].endswith("/teams/v1.23/MicrosoftTeams.Localization.schema.json")
    assert (manifest["manifestVersion"], manifest["version"]) == ("1.23", "0.1.0")


def test_ids_names_and_domains_come_from_settings(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["manifest.json"])
    assert manifest["id"] == APP_ID.lower()
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID.lower()
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert (bot["supportsFiles"], bot["isNotificationOnly"]) == (True, False)  # files in the 1:1 chat
    assert manifest["validDomains"] == ["kiun.city.chikuma.example.jp"]
    assert manifest["developer"] == {
        "name": "情報政策課 DX推進係",
        "websiteUrl": SITE,
        "privacyUrl": "https://www.city.chikuma.example.jp/privacy.html",
        "termsOfUseUrl": SITE,  # TEAMS_TERMS_URL unset: the developer's site
    }
    assert manifest["name"]["short"] == "機運くん" and manifest["name"]["full"].startswith("機運くん")
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "ja-jp"
    # what Graph's TeamsAppInstallation.ReadWriteSelfForUser.All needs to recognise the app as itself
    assert manifest["webApplicationInfo"] == {"id": APP_ID.lower(), "resource": f"api://botid-{APP_ID.lower()}"}


def test_without_a_bot_domain_there_are_no_valid_domains() -> None:
    manifest, _ = build_manifest(settings(TEAMS_BOT_DOMAIN=""), commands(build_router()))
    assert manifest["validDomains"] == []


def test_command_lists_are_the_routed_commands_in_japanese_and_english(files: dict[str, bytes]) -> None:
    manifest, english = json.loads(files["manifest.json"]), json.loads(files["en-us.json"])
    lists = manifest["bots"][0]["commandLists"]
    assert [command_list["scopes"] for command_list in lists] == [["personal"], ["team"], ["groupChat"]]
    titles = [[command["title"] for command in command_list["commands"]] for command_list in lists]
    assert titles[0] == EXPECTED_TITLES
    assert titles[1] == titles[2] == [title for title in EXPECTED_TITLES if title != "home"]  # home: 1:1 chat only
    routed = build_router()
    for title in EXPECTED_TITLES:  # each title is a command or /kiun word the router knows
        first, _, rest = title.partition(" ")
        assert first in routed.commands and (not rest or rest == "help" or rest in routed.subcommands)
    for i, command_list in enumerate(lists):
        for j, command in enumerate(command_list["commands"]):
            assert KANA.search(command["description"]), command
            assert "`" not in command["description"] and not command["description"].startswith("/")
            assert english[f"bots[0].commandLists[{i}].commands[{j}].title"] == command["title"]
            en = english[f"bots[0].commandLists[{i}].commands[{j}].description"]
            assert en.startswith(command["title"]) and not KANA.search(en), en
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128 and len(en) <= 128
    assert lists[0]["commands"][2]["description"].startswith("idea 提案 — ")
    assert english["bots[0].commandLists[0].commands[2].description"].startswith("idea text — ")
    localized = {key for key in english if key.startswith("bots[0]")}
    assert len(localized) == 2 * sum(len(titles_of_list) for titles_of_list in titles)


def test_app_texts_are_japanese_in_the_manifest_and_english_in_en_us(files: dict[str, bytes]) -> None:
    manifest, english = json.loads(files["manifest.json"]), json.loads(files["en-us.json"])
    for field in ("short", "full"):
        assert KANA.search(manifest["description"][field])
        assert not KANA.search(english[f"description.{field}"]) and english[f"description.{field}"]
    assert english["name.short"] == "機運くん"
    assert len(english["description.short"]) <= 80 and len(manifest["description"]["short"]) <= 80


def test_the_icons_have_teams_sizes_and_the_outline_is_white_on_transparency(files: dict[str, bytes]) -> None:
    color = Image.open(io.BytesIO(files["color.png"]))
    assert (color.format, color.size) == ("PNG", (192, 192))
    rgb = color.convert("RGB")
    assert rgb.getpixel((0, 0)) == (0x1F, 0x5F, 0xA8)  # the accent colour, opaque, to the edge
    assert len(set(rgb.get_flattened_data())) > 2  # a white glyph, anti-aliased, on the accent colour
    assert color.mode == "RGB" or min(color.getchannel("A").get_flattened_data()) == 255
    outline = Image.open(io.BytesIO(files["outline.png"]))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    pixels = list(outline.get_flattened_data())
    assert {pixel[:3] for pixel in pixels if pixel[3]} == {(255, 255, 255)}  # only white where anything shows
    assert all(outline.getpixel(corner)[3] == 0 for corner in ((0, 0), (31, 0), (0, 31), (31, 31)))
    assert 0.1 < sum(1 for pixel in pixels if pixel[3] > 128) / len(pixels) < 0.6  # a glyph, not a blank or a block


def test_the_same_settings_give_the_same_bytes() -> None:
    assert build_package(settings(), build_router()) == build_package(settings(), build_router())


def test_a_too_long_command_title_is_reported_with_its_path() -> None:
    manifest, english = build_manifest(settings(), commands(build_router()))
    manifest["bots"][0]["commandLists"][1]["commands"][3]["title"] = "ask " + "質問" * 15
    english["bots[0].commandLists[0].commands[0].description"] = "x" * 129
    problems = validate(manifest, english)
    assert problems == [
        f"en-us.json: bots[0].commandLists[0].commands[0].description: 129 characters, at most 128: '{'x' * 129}'",
        f"manifest.json: bots[0].commandLists[1].commands[3].title: 34 characters, at most 32: 'ask {'質問' * 15}'",
    ]


def test_schema_rules_beside_ref_and_const_are_enforced_too() -> None:
    """Draft-04 would skip both: the localization's name.short limit sits beside a $ref, manifestVersion is a const."""
    manifest, english = build_manifest(settings(), commands(build_router()))
    manifest["manifestVersion"] = "1.22"
    english["name.short"] = "あ" * 31
    english["bots[0].commandLists[3].commands[0].title"] = "extra"
    del manifest["developer"]["privacyUrl"]
    problems = validate(manifest, english)
    assert problems[0] == "manifest.json: developer: 'privacyUrl' is a required property"
    assert problems[1] == "manifest.json: manifestVersion: '1.22' is not one of ['1.23']"
    assert problems[2].startswith("en-us.json: (top level): 'bots[0].commandLists[3].commands[0].title' does not")
    assert len(problems[2]) < 260  # the schema's list of allowed keys is cut short
    assert problems[3] == f"en-us.json: name.short: '{'あ' * 31}' is too long"
    assert len(problems) == 4
    with pytest.raises(ManifestError) as raised:
        raise ManifestError(problems)
    assert str(raised.value) == f"{problems[0]} (and 3 more)"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``kiun`` in an empty folder (no .env) with the package's settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name, value in TEAMS.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_cli_writes_the_package(cli: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["teams", "package", "--out", "app.zip", "--app-version", "1.2.3"]) == 0
    assert re.fullmatch(r"kiun: Teams app package written to app\.zip \(\d+ KB\)\n", capsys.readouterr().err)
    written = unpack((cli / "app.zip").read_bytes())
    assert json.loads(written["manifest.json"])["version"] == "1.2.3"
    assert main(["teams", "package"]) == 0
    assert (cli / "kiun-teams.zip").is_file()


def test_cli_reports_an_invalid_manifest_and_writes_nothing(
    cli: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("TEAMS_TERMS_URL", SITE + "a" * 2048)  # a valid URL, longer than the schema's 2,048
    assert main(["teams", "package", "--out", "app.zip"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("kiun: manifest.json: developer.termsOfUseUrl: 'https://www.city.chikuma.example.jp/aaa")
    assert err[0].endswith("…") and len(err) == 2
    assert err[1] == "kiun: the app package is not valid; nothing written to app.zip"
    assert main(["teams", "package", "--out", "app.zip", "--app-version", "1.0"]) == 1
    assert "kiun: manifest.json: version: '1.0' is not MAJOR.MINOR.PATCH (e.g. 1.0.0)" in capsys.readouterr().err
    assert list(cli.iterdir()) == []


@pytest.mark.parametrize("missing", ["TEAMS_APP_ID", "TEAMS_DEVELOPER_URL"])
def test_cli_names_a_missing_setting(
    cli: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, missing: str
) -> None:
    monkeypatch.delenv(missing)
    assert main(["teams", "package"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiun: {missing} is not set: ") and err.count("\n") == 1
    assert list(cli.iterdir()) == []
