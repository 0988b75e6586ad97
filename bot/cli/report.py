"""``kiun report [--month YYYY-MM] [--out FILE]``: the monthly engagement report as one self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.app.config import Settings
from bot.cli.connect import open_core
from bot.common.text import day_text
from bot.features.report.month import Month
from bot.features.report.report import build_report


def _month(text: str):
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report",
        help="write the monthly engagement report (one HTML file that opens offline)",
        description="Write the monthly engagement report: momentum index and its trend, participation funnel, "
        "ideas, lesson quizzes and Q&A, with charts embedded. Department figures follow the polls' anonymity "
        "thresholds. See docs/report.md.",
    )
    report.add_argument("--month", type=_month, default=None, help="the month, YYYY-MM (default: this month)")
    report.add_argument("--out", type=Path, default=None, help="file to write (default: kiun-report-YYYY-MM.html)")
    report.set_defaults(run=_report)


def _report(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        month = args.month or Month.of(core.local_now().date())
        started = time.perf_counter()
        report = build_report(core, month)
        seconds = time.perf_counter() - started
    out = args.out or Path(report.filename)
    try:
        out.write_bytes(report.html)
    except OSError as exc:
        print(f"kiun: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    label = day_text(month.first, "month")
    print(f"kiun: {label} report written to {out} ({len(report.html) // 1024:,} KB, {seconds:.1f} s)", file=sys.stderr)
    return 0
