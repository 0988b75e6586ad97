"""The review workflow (status form for admins and champions), thread comments, and the admin commands
``/kiun admin ideas export`` and ``/kiun admin champion``."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import File, Input, Option, Reply, Section
from bot.chat.request import Request
from bot.common.departments import department_name, find_department, load_departments
from bot.db.session import rowcount, transaction
from bot.features.ideas import store
from bot.features.ideas.actions import IdeaStatus, IdeaStatusForm
from bot.features.ideas.export import export_csv, export_filename
from bot.features.ideas.handlers.common import get_idea
from bot.features.ideas.models import Champion
from bot.features.ideas.posts import number, show_button
from bot.features.ideas.rules import REASON_MAX, REASON_REQUIRED, STATUSES, TRANSITIONS, is_meaningful, status_label


def status_action(core: Core, request: Request, action: IdeaStatus) -> Reply:
    lang = request.lang
    idea = get_idea(core, action.idea)
    if idea is None:
        return Reply(text=t("idea.error.not_found", lang))
    if not store.can_manage(core, request.user_id, request.is_admin, idea):
        return Reply(text=t("idea.error.not_manager", lang))
    nexts = TRANSITIONS[idea.status]
    if not nexts:
        return Reply(text=t("idea.error.final", lang, status=status_label(idea.status, lang)))
    options = [Option(value=status, label=status_label(status, lang)) for status in nexts]
    form = IdeaStatusForm(idea=idea.id, expected=idea.status).form(
        title=t("idea.status_form.title", lang),
        submit_label=t("idea.status_form.submit", lang),
        intro=t(
            "idea.status_form.intro",
            lang,
            number=number(idea.id),
            title=literal(idea.title),
            status=status_label(idea.status, lang),
        ),
        inputs=[
            Input(name="status", label=t("idea.status_form.status", lang), kind="select", options=options),
            Input(
                name="reason",
                label=t("idea.status_form.reason", lang),
                kind="multiline",
                optional=True,
                max_length=REASON_MAX,
                hint=t("idea.status_form.reason_hint", lang),
            ),
        ],
    )
    return Reply(text=form.title, form=form)


def status_form(core: Core, request: Request, action: IdeaStatusForm) -> Reply:
    lang = request.lang
    idea = get_idea(core, action.idea)
    if idea is None:
        return Reply(text=t("idea.error.not_found", lang))
    if not store.can_manage(core, request.user_id, request.is_admin, idea):
        return Reply(text=t("idea.error.not_manager", lang))
    to_status = request.values.get("status", "")
    reason = (request.values.get("reason") or "").strip()
    if to_status not in STATUSES:
        return Reply(text=t("idea.error.fix_form", lang), errors={"status": t("error.invalid_option", lang)})
    if to_status in REASON_REQUIRED and not is_meaningful(reason):
        message = t("idea.error.reason_required", lang, status=status_label(to_status, lang))
        return Reply(text=t("idea.error.fix_form", lang), errors={"reason": message})
    if len(reason) > REASON_MAX:
        return Reply(
            text=t("idea.error.fix_form", lang),
            errors={"reason": t("error.too_long", lang, length=len(reason), limit=REASON_MAX)},
        )
    result = store.change_status(core, idea.id, request.user_id, to_status, reason, action.expected)
    label = number(idea.id)
    if result.problem == "not_allowed":
        return Reply(text=t("idea.error.fix_form", lang), errors={"status": t("error.invalid_option", lang)})
    if result.problem == "already":
        return Reply(text=t("idea.status_done_already", lang, number=label, status=status_label(to_status, lang)))
    if result.problem == "stale":
        return Reply(text=t("idea.error.stale", lang, number=label, status=status_label(result.from_status, lang)))
    if result.problem:
        return Reply(text=t("idea.error.not_found", lang))
    text = t(
        "idea.status_changed",
        lang,
        number=label,
        before=status_label(result.from_status, lang),
        after=status_label(to_status, lang),
    )
    return Reply(text=text, sections=[Section(text=text, buttons=[show_button(idea.id, lang)])])


# -- thread comments ---------------------------------------------------------------------------------------------
def comment(core: Core, request: Request) -> Reply | None:
    """A reply in the thread of an idea's post is stored as its comment, silently (the thread shows it already)."""
    channel = core.settings.kiun_ideas_channel
    thread = request.thread
    if not channel or thread is None or thread.channel.id != channel or not request.text.strip():
        return None
    store.add_comment(core, thread.id, request.user_id, request.text.strip())
    return None


# -- admin -------------------------------------------------------------------------------------------------------
def admin_ideas(core: Core, request: Request) -> Reply:
    lang = request.lang
    words = request.text.split()
    if words[:1] != ["export"]:
        return Reply(text=t("idea.admin.help", lang), sections=[Section(text=t("idea.admin.help", lang))])
    data, rows = export_csv(core, lang)
    text = t("idea.export.done", lang, count=rows)
    file = File(filename=export_filename(core), title=t("idea.export.title", lang), mime="text/csv", data=data)
    return Reply(text=text, file=file)


def admin_champion(core: Core, request: Request) -> Reply:
    lang = request.lang
    words = request.text.split()
    action = words[0] if words else "list"
    if action == "list":
        with core.sessions() as session:
            rows = session.scalars(select(Champion).order_by(Champion.department, Champion.user_id)).all()
        lines = [
            t("idea.champion.row", lang, department=department_name(row.department), user=person(row.user_id))
            for row in rows
        ]
        body = "\n".join(lines) or t("idea.champion.none", lang)
        return Reply(
            text=t("idea.champion.title", lang),
            sections=[Section(text=f"**{t('idea.champion.title', lang)}**\n{body}")],
        )
    if action not in ("add", "remove") or len(words) < 3:
        return Reply(text=t("idea.champion.usage", lang))
    named = request.mentions.get(words[1])
    if named is None:
        return Reply(text=t("idea.champion.bad_user", lang, user=literal(words[1][:40])))
    department = find_department(" ".join(words[2:]))
    if department is None:
        names = "、".join(dep.name for dep in load_departments())
        return Reply(
            text=t("idea.champion.bad_department", lang, department=literal(" ".join(words[2:])[:40]), valid=names)
        )
    user_id = named.id
    if action == "remove":
        with transaction(core.sessions) as session:
            removed = rowcount(
                session,
                delete(Champion).where(Champion.user_id == user_id, Champion.department == department.id),
            )
        key = "idea.champion.removed" if removed else "idea.champion.not_found"
        return Reply(text=t(key, lang, user=person(user_id), department=department.name))
    try:
        with transaction(core.sessions) as session:
            session.add(Champion(user_id=user_id, department=department.id, created_by=request.user_id))
    except IntegrityError:
        return Reply(text=t("idea.champion.exists", lang, user=person(user_id), department=department.name))
    return Reply(text=t("idea.champion.added", lang, user=person(user_id), department=department.name))
