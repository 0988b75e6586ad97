"""The Core a command works on: an up-to-date database, the platform's directory, the schedules in place."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot.app.config import Settings
from bot.app.core import Core
from bot.common.content_files import Problem
from bot.content.tree import content_root
from bot.db.migrate import upgrade
from bot.features.content.checks import check_all
from bot.platforms.slack.client import make_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.transport import PLATFORM
from bot.scheduling.scheduler import sync_schedules

log = logging.getLogger(__name__)

DB_RETRY_FIRST_SECONDS = 1.0
DB_RETRY_MAX_SECONDS = 30.0


def database_problem(exc: OperationalError) -> str:
    """One line saying why the database cannot be used (the driver's first line; no URL, so no password)."""
    reason = str(exc.orig or exc).strip().splitlines()[0]
    return f"cannot use the database in DATABASE_URL: {reason}"


def wait_for_core(settings: Settings, stop: threading.Event) -> Core | None:
    """:func:`core_for`, tried again with backoff (1 s doubling to 30 s) while the database cannot be reached,
    logging why each time; None when ``stop`` is set meanwhile. For the long-running commands (``serve``,
    ``worker``): a database that starts after kiun, or is briefly away, is waited for instead of crashing."""
    delay = DB_RETRY_FIRST_SECONDS
    while not stop.is_set():
        try:
            return core_for(settings)
        except OperationalError as exc:
            log.error("kiun: %s; trying again in %.0f s", database_problem(exc), delay)
        if stop.wait(delay):
            break
        delay = min(delay * 2, DB_RETRY_MAX_SECONDS)
    return None


def log_problems(root: Path | None = None) -> list[Problem]:
    """Log each content problem (file and line) as a warning; the valid files are still used."""
    problems = check_all(root)
    for problem in problems:
        log.warning("content problem: %s", problem, extra={"file": str(problem.file), "line": problem.line})
    return problems


def core_for(settings: Settings, migrate: bool = True) -> Core:
    """A Core on an up-to-date database (the embedded SQLite default is created on first use)."""
    if migrate:
        upgrade(settings.database_url)
    core = Core.create(settings)
    if settings.slack_bot_token:  # who is in a channel (polls); the console replaces it with its own
        core.directory = SlackDirectory(make_client(settings))
        core.platform = PLATFORM
    sync_schedules(core)
    log_problems(content_root(core.engine))  # name each broken content file and line; the valid content is still used
    return core


@contextmanager
def open_core(settings: Settings) -> Iterator[Core]:
    """:func:`core_for` for a one-shot command: the Core is closed when the block ends."""
    core = core_for(settings)
    try:
        yield core
    finally:
        core.close()
