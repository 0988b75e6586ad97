"""Pulse-poll jobs: ``poll-open`` (scheduled templates), ``poll-remind`` (mid-period, once), ``poll-close``.

Cron cannot say "every other Monday", so ``poll-open`` runs every Monday (moved to the next business day on a
holiday) and opens a template only in the weeks its ``schedule`` asks for: ``every_n_weeks`` counted from the
week of ``schedule.start``. Counting from a fixed date, unlike ISO week parity, stays regular across years with
53 ISO weeks. ``params`` may hold ``{"templates": ["dx-momentum"]}`` to limit which templates this schedule opens.

Each job first finishes runs left ``opening`` (an admin's start that stopped while listing members). They enqueue
deliveries through the services; the only platform question, who is in the channel, goes through
``core.directory`` (bot.services.directory).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.core import Core
from bot.db.models import PollRun
from bot.jobs import job
from bot.services.polls.runs import OPEN, PollError, close_run, open_run, remind, resume_opening
from bot.services.polls.templates import load_templates

log = logging.getLogger(__name__)


@job(
    "poll-open",
    cron="0 9 * * 1",
    business_days_only=True,
    description="open scheduled pulse polls (every_n_weeks from the template) and DM every poll-channel member",
)
def poll_open(core: Core, occurrence: datetime, params: dict[str, Any]) -> None:
    resume_opening(core)
    wanted = params.get("templates")
    today = occurrence.date()
    for template in load_templates().values():
        if wanted and template.id not in wanted:
            continue
        if template.schedule is None or not template.schedule.due(today):
            continue
        try:
            run = open_run(core, template, today)
        except PollError as exc:
            log.info("poll-open: %s not opened (%s)", template.id, exc.key, extra={"poll": template.id})
            continue
        log.info("poll-open: %s opened as run %d", template.id, run.id, extra={"poll": template.id, "run": run.id})


@job(
    "poll-remind",
    cron="0 10 * * 1-5",
    business_days_only=True,
    description="remind, once and mid-period, the members who have not answered an open poll",
)
def poll_remind(core: Core, occurrence: datetime, params: dict[str, Any]) -> None:
    resume_opening(core)
    _each(core, occurrence, "remind_on", remind, extra=PollRun.reminded_at.is_(None))


@job(
    "poll-close",
    cron="0 17 * * 1-5",
    business_days_only=True,
    description="close pulse polls at the end of their period and post the results to the poll channel",
)
def poll_close(core: Core, occurrence: datetime, params: dict[str, Any]) -> None:
    _each(core, occurrence, "closes_on", close_run)


def _each(core: Core, occurrence: datetime, day_column: str, action, extra=None) -> None:
    """Apply ``action`` to every open run whose ``day_column`` is on or before the occurrence's day; one run's
    failure does not stop the others, and the job fails at the end so it shows in ``kiun jobs``."""
    column = getattr(PollRun, day_column)
    conditions = [PollRun.state == OPEN, column.is_not(None), column <= occurrence.date()]
    if extra is not None:
        conditions.append(extra)
    with core.sessions() as session:
        ids = list(session.scalars(select(PollRun.id).where(*conditions).order_by(PollRun.id)))
    failed = []
    for run_id in ids:
        try:
            action(core, run_id)
        except Exception:  # noqa: BLE001 - the others still run; recorded below
            log.exception("poll run %d: %s failed", run_id, action.__name__)
            failed.append(run_id)
    if failed:
        raise RuntimeError(f"{action.__name__} failed for runs {failed}")
