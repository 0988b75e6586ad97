"""``kiun content check``: validate every file under ``content/`` and print ``file:line: problem``
(``--lang ja`` words it in Japanese, for the DX office; English by default, for scripts).

Each checker takes the content folder and returns :class:`~bot.common.content_files.Problem` s; a feature adds
its checker to :data:`bot.features.content.checks.CHECKERS`. Start-up calls :func:`log_problems` so a broken file is
named in the log while the valid content keeps being used.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from bot.app.config import Settings
from bot.chat.i18n import t
from bot.common.content_files import Problem
from bot.common.paths import content_dir
from bot.content.problems import describe
from bot.features.content.checks import check_all

log = logging.getLogger(__name__)


def log_problems(root: Path | None = None) -> list[Problem]:
    """Log each content problem (file and line) as a warning; the valid files are still used."""
    problems = check_all(root)
    for problem in problems:
        log.warning("content problem: %s", problem, extra={"file": str(problem.file), "line": problem.line})
    return problems


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
