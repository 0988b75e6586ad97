"""``kiun ideas export [--out FILE]``: every idea as CSV (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app.config import Settings
from bot.cli.connect import open_core
from bot.features.ideas.export import export_csv


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    ideas = subparsers.add_parser("ideas", help="improvement ideas: export")
    sub = ideas.add_subparsers(dest="ideas_command", required=True)
    export = sub.add_parser(
        "export",
        help="write every idea as CSV (UTF-8 with BOM, opens in Excel)",
        description="Write every idea as CSV: UTF-8 with BOM, one row per idea with its fields, votes, comment "
        "count and status history. Anonymous ideas have no proposer.",
    )
    export.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    export.set_defaults(run=_export)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        data, rows = export_csv(core, settings.kiun_locale)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            args.out.write_bytes(data)
        except OSError as exc:
            print(f"kiun: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"kiun: {rows} ideas written to {args.out}", file=sys.stderr)
    return 0
