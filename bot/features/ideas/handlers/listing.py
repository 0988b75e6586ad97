"""``/ideas``: lists (new, most voted, mine, by status, by department), keyword search, paging."""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Button, Reply, Section
from bot.chat.request import Request
from bot.common.departments import department_name, find_department, load_departments
from bot.features.ideas import store
from bot.features.ideas.actions import IdeaList, IdeaNew, ListView
from bot.features.ideas.handlers.common import HELP_WORDS, idea_id_of
from bot.features.ideas.handlers.detail import detail_reply
from bot.features.ideas.posts import number, show_button
from bot.features.ideas.rules import STATUSES, find_status, status_label

VIEWS: dict[str, ListView] = {
    "mine": "mine",
    "自分": "mine",
    "私": "mine",
    "new": "new",
    "新着": "new",
    "top": "top",
    "人気": "top",
}


def ideas_command(core: Core, request: Request) -> Reply:
    lang = request.lang
    text = request.text.strip()
    if text.lower() in HELP_WORDS:
        return Reply(
            text=t("idea.list.help_title", lang),
            sections=[Section(text=t("idea.list.help", lang), buttons=filter_buttons(lang))],
        )
    if not text:
        return listing(core, request, "new", "", 1)
    if (idea_id := idea_id_of(text)) is not None:
        return detail_reply(core, request, idea_id)
    if text.lower() in VIEWS:
        return listing(core, request, VIEWS[text.lower()], "", 1)
    if text in ("status", "ステータス", "状態"):
        return pick_status(lang)
    if text in ("dept", "部署", "部署別"):
        return pick_department(lang)
    if (status := find_status(text)) is not None:
        return listing(core, request, "status", status, 1)
    if (department := find_department(text)) is not None:
        return listing(core, request, "dept", department.id, 1)
    return listing(core, request, "search", text[:100], 1)


def list_button(label: str, view: ListView, arg: str = "", page: int = 1) -> Button:
    return IdeaList(view=view, arg=arg, page=page).button(label)


def filter_buttons(lang: str) -> list[Button]:
    return [
        list_button(t("idea.list.new", lang), "new"),
        list_button(t("idea.list.top", lang), "top"),
        list_button(t("idea.list.mine", lang), "mine"),
        list_button(t("idea.list.by_status", lang), "pick_status"),
        list_button(t("idea.list.by_department", lang), "pick_dept"),
        IdeaNew().button(t("idea.button.new", lang), style="primary"),
    ]


def pick_status(lang: str) -> Reply:
    buttons = [list_button(status_label(status, lang), "status", status) for status in STATUSES]
    return Reply(
        text=t("idea.list.pick_status", lang),
        sections=[Section(text=t("idea.list.pick_status", lang), buttons=buttons)],
    )


def pick_department(lang: str) -> Reply:
    buttons = [list_button(dep.name, "dept", dep.id) for dep in load_departments()]
    return Reply(
        text=t("idea.list.pick_department", lang),
        sections=[Section(text=t("idea.list.pick_department", lang), buttons=buttons)],
    )


def list_action(core: Core, request: Request, action: IdeaList) -> Reply:
    if action.view == "pick_status":
        return pick_status(request.lang)
    if action.view == "pick_dept":
        return pick_department(request.lang)
    return listing(core, request, action.view, action.arg, action.page)


def view_title(view: str, arg: str, lang: str) -> str:
    if view == "status":
        return t("idea.list.title_status", lang, status=status_label(arg, lang) if arg in STATUSES else literal(arg))
    if view == "dept":
        return t("idea.list.title_department", lang, department=literal(department_name(arg)))
    if view == "search":
        return t("idea.list.title_search", lang, query=literal(arg))
    return t(f"idea.list.title_{view}", lang)


def listing(core: Core, request: Request, view: ListView, arg: str, page: int) -> Reply:
    lang = request.lang
    result = store.list_ideas(core, view, arg, page, request.user_id)
    title = view_title(view, arg, lang)
    header = t("idea.list.header", lang, title=title, total=result.total, page=result.page, pages=result.pages)
    sections = [Section(text=f"**{header}**")]
    for idea, votes, comments in result.rows:
        line = t(
            "idea.list.row",
            lang,
            number=number(idea.id),
            title=literal(idea.title),
            status=status_label(idea.status, lang),
            votes=votes,
            comments=comments,
            department=department_name(idea.department) or t("idea.no_department", lang),
        )
        sections.append(Section(text=line, buttons=[show_button(idea.id, lang)]))
    if not result.rows:
        sections.append(Section(text=t("idea.list.empty", lang)))
    nav = []
    if result.page > 1:
        nav.append(list_button(t("idea.list.previous", lang), view, arg, result.page - 1))
    if result.page < result.pages:
        nav.append(list_button(t("idea.list.next", lang), view, arg, result.page + 1))
    sections.append(Section(text=t("idea.list.footer", lang), buttons=nav + filter_buttons(lang)))
    return Reply(text=header, sections=sections)
