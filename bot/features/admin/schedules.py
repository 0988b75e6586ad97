"""``/kiun admin schedule <name> "mon 09:00"``: change when a schedule runs (any schedule), and show the next
three runs; without a time, show the current setting."""

from __future__ import annotations

import shlex
from datetime import datetime
from itertools import islice

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.common.text import day_text
from bot.db.session import transaction
from bot.scheduling.calendar import BusinessCalendar
from bot.scheduling.models import Schedule
from bot.scheduling.schedule_text import ScheduleTextError, to_cron
from bot.scheduling.scheduler import build_trigger

RUNS_SHOWN = 3


def register(router: Router) -> None:
    router.admin("schedule", admin_schedule)


def admin_schedule(core: Core, request: Request) -> Reply:
    lang = request.lang
    try:
        words = shlex.split(request.text)
    except ValueError:  # an unbalanced quote
        words = request.text.replace('"', " ").split()
    with core.sessions() as session:
        names = list(session.scalars(select(Schedule.name).order_by(Schedule.name)))
    listed = "、".join(f"`{name}`" for name in names)
    if not words:
        return Reply(text=t("schedule.usage", lang, names=listed))
    name, when = words[0], " ".join(words[1:])
    if name not in names:
        return Reply(text=t("schedule.unknown", lang, name=literal(name[:64]), names=listed))
    if not when:
        with core.sessions() as session:
            schedule = session.scalars(select(Schedule).where(Schedule.name == name)).one()
        return Reply(
            text=t("schedule.current", lang, name=name, cron=schedule.cron, runs=runs_text(core, schedule, lang))
        )
    try:
        cron = to_cron(when)
    except ScheduleTextError as exc:
        shown = literal(when[:60])
        return Reply(text=t("schedule.invalid", lang, text=shown, reason=t(exc.reason, lang)))
    with transaction(core.sessions) as session:
        schedule = session.scalars(select(Schedule).where(Schedule.name == name)).one()
        schedule.cron = cron
    core.schedules_changed()
    return Reply(text=t("schedule.saved", lang, name=name, cron=cron, runs=runs_text(core, schedule, lang)))


def next_runs(core: Core, schedule: Schedule, count: int = RUNS_SHOWN) -> list[datetime]:
    """The next ``count`` runs of ``schedule`` (local time), moved off closed days when it runs on business days."""
    trigger = build_trigger(core, schedule, BusinessCalendar.current(core))
    return list(islice(trigger.occurrences(core.local_now()), count))


def runs_text(core: Core, schedule: Schedule, lang: str) -> str:
    rows = [
        t(
            "schedule.run_row",
            lang,
            date=when.strftime("%Y-%m-%d"),
            weekday=day_text(when, "weekday", lang),
            time=when.strftime("%H:%M"),
        )
        for when in next_runs(core, schedule)
    ]
    if not schedule.enabled:
        rows.insert(0, t("schedule.disabled", lang))
    return "\n".join(rows) or t("schedule.no_runs", lang)
