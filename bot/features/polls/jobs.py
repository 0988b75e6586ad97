"""Pulse-poll jobs: ``poll-open`` (scheduled templates), ``poll-remind`` (mid-period, once), ``poll-close``.

Cron cannot say "every other Monday", so ``poll-open`` runs every Monday (moved to the next business day on a
holiday) and opens a template only in the weeks its ``schedule`` asks for: ``every_n_weeks`` counted from the
week of ``schedule.start``. A due week closed from its Monday to its end (年末年始 from a Monday) opens its polls
on the first business day after it. Counting from a fixed date, unlike ISO week parity, stays regular across years with
53 ISO weeks. ``params`` may hold ``{"templates": ["dx-momentum"]}`` to limit which templates this schedule opens.

Each job first finishes runs left ``opening`` (an admin's start that stopped while listing members). They enqueue
deliveries through the services; the only platform question, who is in the channel, goes through
``core.directory`` (bot.chat.directory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app.core import Core
from bot.common.text import day_text
from bot.content.tree import content_root
from bot.features.polls.models import PollRun, RunState
from bot.features.polls.runs import PollError, close_run, open_run, remind, resume_opening
from bot.features.polls.templates import PollTemplate, load_templates, templates_dir
from bot.scheduling.calendar import BusinessCalendar
from bot.scheduling.registry import job
from bot.scheduling.scheduler import job_plan

log = logging.getLogger(__name__)

SECRET_NEED = "pulse polls need it to keep answers anonymous (set a long random value)"
NEXT_DUE_HORIZON = timedelta(days=366)  # how far ahead poll-open looks for a template's next due run


@job(
    "poll-open",
    cron="0 9 * * 1",
    business_days_only=True,
    description="open scheduled pulse polls (every_n_weeks from the template) and DM every poll-channel member",
    switch="KIUN_POLL_CHANNEL",
    needs={"KIUN_SECRET_KEY": SECRET_NEED},
)
def poll_open(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    done = _resumed(core)
    if not core.settings.kiun_poll_channel:
        log.warning("poll-open: KIUN_POLL_CHANNEL is not set; no poll opened")
        return "; ".join([*done, "KIUN_POLL_CHANNEL is not set; no poll opened"])
    wanted = params.get("templates")
    today = occurrence.date()
    templates = [
        item
        for item in load_templates(templates_dir(content_root(core.engine))).values()
        if not wanted or item.id in wanted
    ]
    scheduled = [item for item in templates if item.schedule is not None]
    served = weeks_served(BusinessCalendar.current(core), today)
    due = [item for item in scheduled if item.schedule and any(item.schedule.due(day) for day in served)]
    for template in due:
        try:
            run = open_run(core, template, today)
        except PollError as exc:
            log.info("poll-open: %s not opened (%s)", template.id, exc.key, extra={"poll": template.id})
            done.append(f"{template.id} not opened: {_why(exc)}")
            continue
        log.info("poll-open: %s opened as run %d", template.id, run.id, extra={"poll": template.id, "run": run.id})
        done.append(f"{template.id} opened as run #{run.id} and sent to {run.recipients} members")
    if not due:
        done.append(_nothing_due(core, occurrence, templates, scheduled))
    return "; ".join(done)


def _nothing_due(core: Core, occurrence: datetime, templates: list[PollTemplate], scheduled: list[PollTemplate]) -> str:
    """Why poll-open opened nothing: which template is due next, and how to open one now."""
    if not templates:
        return "no poll templates to open (see kiun content check)"
    if not scheduled:
        hint = f"to open one now: /kiun admin poll start {templates[0].id}"
        return f"no poll template has a schedule (every_n_weeks in content/polls); {hint}"
    upcoming = _next_due(core, occurrence, scheduled)
    parts = [f"no poll template is due on {day_text(occurrence.date())}"]
    parts += [f"{template.id} is next due on {day_text(day)}" for template, day in upcoming]
    parts.append(f"to open one now: /kiun admin poll start {(upcoming[0][0] if upcoming else scheduled[0]).id}")
    return "; ".join(parts)


def weeks_served(calendar: BusinessCalendar, day: date) -> list[date]:
    """Days whose weeks a poll-open run on ``day`` opens polls for: ``day`` and each Monday since the previous
    business day (weeks closed from their Monday on open their polls on the first business day after them)."""
    previous = calendar.previous_business_day(day)
    between = (previous + timedelta(days=n) for n in range(1, (day - previous).days))
    return [*(other for other in between if other.weekday() == 0), day]


def _next_due(core: Core, occurrence: datetime, templates: list[PollTemplate]) -> list[tuple[PollTemplate, date]]:
    """Each template's next poll-open run in a week its schedule opens it (within a year), earliest first."""
    plan = job_plan(core, "poll-open")
    found: dict[str, tuple[PollTemplate, date]] = {}
    for when in plan.runs_after(occurrence):
        if when - occurrence > NEXT_DUE_HORIZON or len(found) == len(templates):
            break
        served = weeks_served(plan.calendar, when.date())
        for template in templates:
            schedule = template.schedule
            if template.id not in found and schedule is not None and any(schedule.due(day) for day in served):
                found[template.id] = (template, when.date())
    return list(found.values())


def _why(exc: PollError) -> str:
    if exc.key == "poll.already_open":
        return f"run #{exc.values['run']} is still open (close it with /kiun admin poll close {exc.values['run']})"
    return exc.key


def _resumed(core: Core) -> list[str]:
    """Finish runs an admin's start left half-sent; what was done, for the outcome."""
    return [f"finished sending run #{run_id}" for run_id in resume_opening(core)]


@job(
    "poll-remind",
    cron="0 10 * * 1-5",
    business_days_only=True,
    description="remind, once and mid-period, the members who have not answered an open poll",
    switch="KIUN_POLL_CHANNEL",
    needs={"KIUN_SECRET_KEY": SECRET_NEED},
)
def poll_remind(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    done = _resumed(core)
    pending = PollRun.reminded_at.is_(None)
    reminded = _each(core, occurrence, "remind_on", remind, pending)
    done += [f"reminded {count} members of run #{run_id}" for run_id, count in reminded]
    if not reminded:
        nothing = f"no open poll is due a reminder on {day_text(occurrence.date())}"
        done.append(_next_run(core, nothing, "remind_on", "is reminded", pending))
    return "; ".join(done)


@job(
    "poll-close",
    cron="0 17 * * 1-5",
    business_days_only=True,
    description="close pulse polls at the end of their period and post the results to the poll channel",
)
def poll_close(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    closed = _each(core, occurrence, "closes_on", close_run)
    if not closed:
        return _next_run(core, f"no open poll closes on {day_text(occurrence.date())}", "closes_on", "closes")
    return "; ".join(f"closed run #{run.id} and posted its results to {run.channel}" for _, run in closed)


def _next_run(core: Core, nothing: str, day_column: str, verb: str, extra=None) -> str:
    """``nothing`` (why a run did nothing), followed by the open run it will act on next, if any."""
    column = getattr(PollRun, day_column)
    conditions = [PollRun.state == RunState.OPEN, column.is_not(None)]
    if extra is not None:
        conditions.append(extra)
    with core.sessions() as session:
        upcoming = session.scalars(select(PollRun).where(*conditions).order_by(column, PollRun.id).limit(1)).first()
    if upcoming is None:
        return nothing
    return f"{nothing}; run #{upcoming.id} ({upcoming.poll}) {verb} on {day_text(getattr(upcoming, day_column))}"


def _each(core: Core, occurrence: datetime, day_column: str, action: Callable, extra=None) -> list[tuple[int, Any]]:
    """Apply ``action`` to every open run whose ``day_column`` is on or before the occurrence's day and return
    ``(run id, result)`` of each; one run's failure does not stop the others, and the job fails at the end so it
    shows in ``kiun jobs``."""
    column = getattr(PollRun, day_column)
    conditions = [PollRun.state == RunState.OPEN, column.is_not(None), column <= occurrence.date()]
    if extra is not None:
        conditions.append(extra)
    with core.sessions() as session:
        ids = list(session.scalars(select(PollRun.id).where(*conditions).order_by(PollRun.id)))
    failed, results = [], []
    for run_id in ids:
        try:
            results.append((run_id, action(core, run_id)))
        except Exception:  # noqa: BLE001 - the others still run; recorded below
            log.exception("poll run %d: %s failed", run_id, action.__name__)
            failed.append(run_id)
    if failed:
        raise RuntimeError(f"{action.__name__} failed for runs {failed}")
    return results
