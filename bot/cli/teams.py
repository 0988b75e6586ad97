"""``kiun teams package [--out kiun-teams.zip] [--app-version X.Y.Z]``: the Teams app package to upload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import __version__
from bot.app.config import Settings
from bot.features import build_router
from bot.platforms.teams.package import ManifestError, build_package

DEFAULT_OUT = Path("kiun-teams.zip")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    teams = subparsers.add_parser("teams", help="Microsoft Teams: the app package")
    teams_sub = teams.add_subparsers(dest="teams_command", required=True)
    package = teams_sub.add_parser(
        "package",
        help="write the Teams app package (manifest.json, en-us.json and icons in one zip)",
        description="Write the app package to upload in the Teams admin center (Manage apps → Upload): "
        "manifest.json (schema v1.23, Japanese, with en-us.json), color.png and outline.png. Needs TEAMS_APP_ID "
        "and TEAMS_DEVELOPER_URL. Validated against the schema shipped with kiun; nothing is written when it "
        "fails. See docs/teams.md.",
    )
    package.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"file to write (default: {DEFAULT_OUT})")
    package.add_argument(
        "--app-version",
        default=__version__,
        metavar="X.Y.Z",
        help=f"the app's version in the manifest; raise it for each update you upload (default: {__version__})",
    )
    package.set_defaults(run=_package)


def _package(settings: Settings, args: argparse.Namespace) -> int:
    settings.require(
        "TEAMS_APP_ID",
        "TEAMS_DEVELOPER_URL",
        hint="the package needs the bot's app id and the city's web site (see docs/teams.md, App package)",
    )
    try:
        data = build_package(settings, build_router(), version=args.app_version)
    except ManifestError as error:
        for problem in error.problems:
            print(f"kiun: {problem}", file=sys.stderr)
        print(f"kiun: the app package is not valid; nothing written to {args.out}", file=sys.stderr)
        return 1
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        print(f"kiun: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"kiun: Teams app package written to {args.out} ({len(data) // 1024 + 1:,} KB)", file=sys.stderr)
    return 0
