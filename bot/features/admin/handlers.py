"""``/kiun``: help, generated from what is registered, and the DX office's admin menu (schedules, closed days,
outbox)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial

from sqlalchemy import func, select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Button, Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.common.text import day_text, truncate
from bot.db.session import transaction
from bot.delivery.models import OutboxMessage, OutboxState
from bot.delivery.outbox import unreachable
from bot.features.admin.actions import HelpButton
from bot.scheduling.models import CalendarOverride
from bot.scheduling.scheduler import describe_schedules

UNKNOWN_SHOWN = 41  # characters of an unknown command quoted back (40 and …)


def register(router: Router) -> None:
    router.command("kiun", partial(kiun, router=router))
    router.action(HelpButton, lambda core, req, _: help_reply(req, router))
    router.admin("jobs", admin_jobs)
    router.admin("closed", lambda core, request: admin_closed(core, request, request.text.split()))
    router.admin("outbox", admin_outbox)


def hint_sections(request: Request) -> list[Section]:
    return [Section(text=t("message.hint", request.lang), buttons=[help_button(request.lang)])]


def help_button(lang: str) -> Button:
    return HelpButton().button(t("help.button", lang))


def _listing(title_key: str, keys: list[str], lang: str) -> str:
    """A heading and a bullet for each line of each entry (an entry may have several lines)."""
    return "\n".join([t(title_key, lang), *(f"• {line}" for key in keys for line in t(key, lang).split("\n"))])


def commands_help(router: Router, lang: str) -> str:
    """Every listed command and ``/kiun`` sub-command registered, then the admin menu."""
    keys = [f"help.command.{name}" for name in router.commands if name not in router.unlisted]
    keys += [f"help.kiun.{word}" for word in router.subcommands]
    return _listing("help.commands_title", keys + ["help.admin_menu"] * bool(router.admin_commands), lang)


def admin_help(router: Router, lang: str) -> str:
    """Every ``/kiun admin`` word registered."""
    return _listing("help.admin_title", [f"help.admin.{word}" for word in router.admin_commands], lang)


def help_reply(request: Request, router: Router) -> Reply:
    lang = request.lang
    sections = [
        Section(text=f"**{t('help.title', lang)}**\n{t('help.intro', lang)}"),
        Section(text=commands_help(router, lang)),
        Section(text=t("help.schedule", lang)),
    ]
    if request.is_admin:
        sections.append(Section(text=admin_help(router, lang)))
    return Reply(text=t("help.title", lang), sections=sections)


def kiun(core: Core, request: Request, router: Router) -> Reply:
    words = request.text.split()
    if not words or words[0] in ("help", "ヘルプ", "使い方"):
        return help_reply(request, router)
    if words[0] == "admin":
        return admin(core, request, words[1:], router)
    if words[0] in router.subcommands:
        rest = request.text.split(None, 1)[1] if len(words) > 1 else ""
        return router.subcommands[words[0]](core, replace(request, text=rest))
    valid = "、".join(f"`/kiun {word}`" for word in ("help", "admin", *router.subcommands))
    return unknown(request, request.text, valid)


def unknown(request: Request, text: str, valid: str) -> Reply:
    shown = truncate(text, UNKNOWN_SHOWN)
    return Reply(text=t("error.unknown_command", request.lang, text=literal(shown), valid=valid))


def admin(core: Core, request: Request, words: list[str], router: Router) -> Reply:
    lang = request.lang
    if not request.is_admin:
        return Reply(text=t("error.not_admin", lang))
    if not words:
        menu = admin_help(router, lang)
        return Reply(text=menu, sections=[Section(text=menu)])
    if words[0] in router.admin_commands:
        rest = request.text.split(None, 2)[2] if len(words) > 1 else ""
        return router.admin_commands[words[0]](core, replace(request, text=rest))
    valid = "、".join(f"`/kiun admin {word}`" for word in router.admin_commands)
    return unknown(request, " ".join(["admin", *words]), valid)


def admin_jobs(core: Core, request: Request) -> Reply:
    lang = request.lang
    lines = []
    for row in describe_schedules(core):
        days = t("admin.jobs.business_days" if row.business_days_only else "admin.jobs.every_day", lang)
        when = row.next_run.strftime("%Y-%m-%d %H:%M") if row.next_run else t("admin.jobs.disabled", lang)
        line = t("admin.jobs.row", lang, name=row.name, cron=row.cron, days=days, next=when)
        if row.last_run:
            state = t(f"admin.jobs.state.{row.last_state}", lang)
            line += t("admin.jobs.last", lang, when=row.last_run.strftime("%Y-%m-%d %H:%M"), state=state)
        lines.append(line)
    body = "\n".join(lines) or t("admin.jobs.none", lang)
    return Reply(
        text=t("admin.jobs.title", lang), sections=[Section(text=f"**{t('admin.jobs.title', lang)}**\n{body}")]
    )


def admin_closed(core: Core, request: Request, words: list[str]) -> Reply:
    lang = request.lang
    action = words[0] if words else "list"
    if action == "list":
        with core.sessions() as session:
            rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
        lines = [
            t(
                "admin.closed.row_open" if row.is_open else "admin.closed.row_closed",
                lang,
                day=row.day.isoformat(),
                weekday=day_text(row.day, "weekday", lang),
                note=row.note,
            )
            for row in rows
        ]
        body = "\n".join(lines) or t("admin.closed.none", lang, year_end=core.settings.kiun_year_end_closed)
        title = t("admin.closed.title", lang)
        return Reply(text=title, sections=[Section(text=f"**{title}**\n{body}")])
    if action not in ("add", "open", "remove"):
        return unknown(request, " ".join(["admin", "closed", *words]), "`/kiun admin closed list|add|open|remove`")
    try:
        day = date.fromisoformat(words[1])
    except (IndexError, ValueError):
        return Reply(text=t("admin.closed.bad_date", lang))
    note = literal(" ".join(words[2:])[:200])
    with transaction(core.sessions) as session:
        row = session.get(CalendarOverride, day)
        if action == "remove":
            if row is None:
                return Reply(text=t("admin.closed.not_found", lang, day=day.isoformat()))
            session.delete(row)
            key = "admin.closed.removed"
        else:
            row = row or CalendarOverride(day=day)
            row.is_open = action == "open"
            row.note, row.created_by = note, request.user_id
            session.add(row)
            key = "admin.closed.opened" if action == "open" else "admin.closed.added"
    core.schedules_changed()
    return Reply(text=t(key, lang, day=day.isoformat()))


UNREACHABLE_SHOWN = 20


def admin_outbox(core: Core, request: Request) -> Reply:
    with core.sessions() as session:
        counts = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        people = unreachable(session)
    values = {state: counts.get(state, 0) for state in OutboxState}
    summary = t("admin.outbox.summary", request.lang, **values)
    notes = []
    if values[OutboxState.UNKNOWN]:
        notes.append(t("admin.outbox.unknown_note", request.lang))
    if people:
        shown = "、".join(person(user_id) for user_id in people[:UNREACHABLE_SHOWN])
        more = len(people) - UNREACHABLE_SHOWN
        notes.append(t("admin.outbox.unreachable", request.lang, count=len(people), people=shown))
        if more > 0:
            notes.append(t("admin.outbox.unreachable_more", request.lang, count=more))
    if not notes:
        return Reply(text=summary)
    return Reply(text=summary, sections=[Section(text="\n".join([summary, *notes]))])
