"""``weekly-plan``: each Monday, tell every admin what kiun will post this week and what failed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, select

from bot.app.core import Core
from bot.chat.address import User
from bot.chat.i18n import t
from bot.chat.reply import Reply, Section
from bot.common.text import day_text
from bot.db.session import transaction
from bot.delivery.models import OutboxMessage, OutboxState
from bot.delivery.outbox import enqueue
from bot.scheduling.calendar import BusinessCalendar
from bot.scheduling.models import Schedule
from bot.scheduling.registry import job
from bot.scheduling.scheduler import build_trigger

log = logging.getLogger(__name__)

PLAN_DAYS = 7
MAX_ROWS_PER_SCHEDULE = 8


@job(
    "weekly-plan",
    cron="30 8 * * 1",
    business_days_only=True,
    description="DM each admin the coming week's scheduled runs and the number of failed messages",
    switch="KIUN_ADMINS",
)
def weekly_plan(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """Enqueue one DM per admin in KIUN_ADMINS; keyed by occurrence and admin, so a re-run never sends twice."""
    admins = core.settings.kiun_admins
    if not admins:
        log.info("weekly-plan: KIUN_ADMINS is empty, nobody to tell")
        return "KIUN_ADMINS is empty; nobody to send the weekly plan to"
    reply = plan_reply(core, occurrence, core.settings.kiun_locale)
    stamp = occurrence.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    with transaction(core.sessions) as session:
        added = sum(
            enqueue(session, f"weekly-plan:{stamp}:{admin}", User(platform=core.platform, id=admin), reply)
            for admin in admins
        )
    log.info("weekly-plan: %d of %d messages enqueued", added, len(admins), extra={"enqueued": added})
    return f"weekly plan queued for {added} of {len(admins)} admins" + ("" if added else " (already queued)")


def plan_reply(core: Core, start: datetime, lang: str) -> Reply:
    """The 7 days from ``start`` (to midnight): each enabled schedule's runs (local time) and the failed count."""
    tz = core.settings.tz
    start = start.astimezone(tz)
    end = datetime.combine(start.date() + timedelta(days=PLAN_DAYS), time(0), tzinfo=tz)
    with core.sessions() as session:
        schedules = session.scalars(select(Schedule).where(Schedule.enabled.is_(True)).order_by(Schedule.name)).all()
        calendar = BusinessCalendar.load(session, core.settings.kiun_year_end_closed)
        failed = session.scalar(select(func.count()).where(OutboxMessage.state == OutboxState.FAILED))
    runs: list[tuple[datetime, str]] = []
    crowded: list[str] = []
    for schedule in schedules:
        try:
            trigger = build_trigger(core, schedule, calendar)
        except ValueError:
            continue
        found = list(islice(trigger.occurrences(start, end), MAX_ROWS_PER_SCHEDULE + 1))
        if len(found) > MAX_ROWS_PER_SCHEDULE:
            crowded.append(schedule.name)
        runs += [(when, schedule.name) for when in found[:MAX_ROWS_PER_SCHEDULE]]
    lines = [
        t(
            "jobs.weekly_plan.row",
            lang,
            day=day_text(when),
            weekday=day_text(when, "weekday", lang),
            time=when.strftime("%H:%M"),
            name=name,
        )
        for when, name in sorted(runs)
    ]
    lines += [t("jobs.weekly_plan.more", lang, name=name) for name in crowded]
    last = end - timedelta(days=1)
    title = t("jobs.weekly_plan.title", lang, start=day_text(start), end=day_text(last))
    body = "\n".join(lines) or t("jobs.weekly_plan.none", lang)
    status = t("jobs.weekly_plan.failed", lang, count=failed) if failed else t("jobs.weekly_plan.failed_none", lang)
    return Reply(text=title, sections=[Section(text=f"**{title}**\n{body}"), Section(text=status)], ephemeral=False)
