"""``kiun content check|export|import|log``: the DX office's content files from the command line.

``check`` validates every file under ``content/`` and prints ``file:line: problem`` (``--lang ja``: in Japanese; each
checker takes the content folder and returns :class:`~bot.common.content_files.Problem` s; a feature adds its checker to
:data:`bot.features.content.checks.CHECKERS`; start-up logs them, see :func:`bot.cli.connect.log_problems`).
``export`` writes the city's own content (or the whole served tree) as files, ``import`` loads a folder (the
initial set-up) and ``log`` prints the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from bot.app.config import Settings
from bot.chat.i18n import t
from bot.cli.connect import open_core
from bot.common.paths import content_dir
from bot.content import store
from bot.content.models import ContentVersion
from bot.content.problems import describe
from bot.db.session import transaction
from bot.features.content import folder
from bot.features.content.checks import check_all


def add_commands(sub: argparse._SubParsersAction) -> None:
    content = sub.add_parser("content", help="the DX office's content files (lessons, facts, polls, data, synonyms)")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser(
        "check",
        help="validate every content file; print file:line: problem for each error (exit 1 on any)",
    )
    check.add_argument("--dir", type=Path, default=None, help="content folder to check (default: KIUN_CONTENT_DIR)")
    check.add_argument("--lang", choices=("ja", "en"), default="en", help="language of the problems (default: en)")
    check.set_defaults(run=_check)
    export = content_sub.add_parser(
        "export",
        help="write the city's own content (uploaded and published in chat) as files in the layout of content/",
    )
    export.add_argument("dir", type=Path, metavar="DIR", help="an empty or new folder")
    export.add_argument(
        "--all", action="store_true", help="write the whole served tree (bundled files too): usable as KIUN_CONTENT_DIR"
    )
    export.add_argument("--force", action="store_true", help="write into DIR even when it is not empty")
    export.set_defaults(run=_export)
    load = content_sub.add_parser(
        "import",
        help="publish a folder's content files (initial set-up): all checked first; on any problem nothing is stored",
    )
    load.add_argument("dir", type=Path, metavar="DIR", help=f"a folder in the layout of content/ ({folder.LAYOUT})")
    load.add_argument("--user", default=None, metavar="NAME", help="who imports, for the audit log (default: you)")
    load.set_defaults(run=_import)
    log = content_sub.add_parser("log", help="the audit log: uploads, publishes, reverts, imports (newest first)")
    log.add_argument("--limit", type=_positive, default=50, metavar="N", help="how many entries (default 50)")
    log.add_argument("--json", action="store_true", help="one JSON object a line")
    log.set_defaults(run=_log)


def _positive(value: str) -> int:
    if not value.isdecimal() or not 1 <= int(value) <= 100_000:
        raise argparse.ArgumentTypeError(f"not a number from 1 to 100000: {value!r}")
    return int(value)


def _check(settings: Settings, args: argparse.Namespace) -> int:
    root, lang = args.dir or content_dir(), args.lang
    if not root.is_dir():
        print(t("content.problem.cli_no_folder", lang, root=root))
        return 1
    problems = check_all(root)
    for problem in problems:
        print(describe(problem, lang))
    if problems:
        files = len({problem.file for problem in problems})
        print(t("content.problem.cli_summary", lang, count=len(problems), files=files, root=root))
        return 1
    counts = ", ".join(f"{name}: {count}" for name, count in summary(root).items())
    print(t("content.problem.cli_ok", lang, counts=counts, root=root))
    return 0


def summary(root: Path) -> dict[str, int]:
    """How many files of each kind there are (for the OK line)."""
    return {
        folder.name: sum(1 for path in folder.rglob("*") if path.is_file() and not path.name.startswith("README"))
        for folder in sorted(root.iterdir())
        if folder.is_dir()
    }


def _export(settings: Settings, args: argparse.Namespace) -> int:
    target: Path = args.dir
    if target.exists() and not target.is_dir():
        print(f"kiun: {target} is not a folder", file=sys.stderr)
        return 1
    if target.is_dir() and any(target.iterdir()) and not args.force:
        print(f"kiun: {target} is not empty; give an empty or new folder, or --force to write over", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    with open_core(settings) as core, core.sessions() as session:
        written = folder.export(session, target, everything=args.all)
        for each in written:
            what = "bundled" if each.version is None else _version_text(each.version)
            print(f"wrote {each.path.as_posix()}  ({what})")
        own = sum(each.version is not None for each in written)
    if not written:
        print("kiun: the city has no content of its own yet; nothing written (--all writes the served tree)")
        return 0
    print(f"kiun: wrote {len(written)} file(s), {own} of them the city's own, to {target}")
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    source: Path = args.dir
    if not source.is_dir():
        print(f"kiun: folder not found: {source}", file=sys.stderr)
        return 1
    user = folder.CLI_PREFIX + (args.user or _login())[:60]
    with open_core(settings) as core, transaction(core.sessions) as session:
        result = folder.import_folder(session, source, user)
        for problem in result.problems:
            print(problem)
        if result.problems:
            files = len({problem.file for problem in result.problems})
            print(f"kiun: {len(result.problems)} problem(s) in {files} file(s); nothing imported", file=sys.stderr)
            return 1
        for path, version in result.added:
            print(f"imported   {path.as_posix()}  ({_version_text(version)})")
        for path, why in result.unchanged:
            print(f"unchanged  {path.as_posix()}  (same as the {why} file)")
    if not result.added and not result.unchanged:
        print(f"kiun: no content files in {source} (expected {folder.LAYOUT})", file=sys.stderr)
        return 1
    ignored = f", {len(result.ignored)} other file(s) ignored" if result.ignored else ""
    print(f"kiun: {len(result.added)} imported, {len(result.unchanged)} unchanged{ignored}")
    return 0


def _log(settings: Settings, args: argparse.Namespace) -> int:
    tz = settings.tz
    with open_core(settings) as core, core.sessions() as session:
        entries = store.log_entries(session, args.limit)
        rows = [
            {
                "at": entry.at.astimezone(tz).isoformat(timespec="seconds"),
                "user": entry.user_id,
                "action": entry.action,
                "kind": entry.kind,
                "key": entry.key,
                "version": entry.version,
                "detail": entry.detail,
            }
            for entry in entries
        ]
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        at = str(row["at"])[:19].replace("T", " ")
        version = f"v{row['version']}" if row["version"] is not None else "-"
        print(f"{at}  {row['user']:<16} {row['action']:<8} {row['kind']:<10} {row['key']}  {version}  {row['detail']}")
    if not rows and not args.json:
        print("kiun: the audit log is empty")
    return 0


def _version_text(version: ContentVersion) -> str:
    return f"{version.kind} {version.key}, v{version.number}"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"
