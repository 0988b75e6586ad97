"""The App Home (Slack's Home tab; ``home`` on the console): what is waiting for each person, and for admins
this month at a glance with the monthly report.

For everyone: buttons to propose an idea and to ask a question, the latest lesson, my quiz streak and progress,
the polls waiting for my answer, my ideas and their status. The view stays far below Slack's 100 blocks: every
list is capped. A part that fails is left out (and logged) rather than costing the whole view.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.chat.address import User
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Form, Input, Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.common.text import day_text
from bot.content.tree import content_root
from bot.delivery.deferred import defer, task
from bot.features.admin.handlers import admin_help, help_button
from bot.features.home.actions import AskButton, AskForm, LessonButton, ReportButton
from bot.features.ideas import store
from bot.features.ideas.actions import IdeaList, IdeaNew
from bot.features.ideas.posts import number
from bot.features.ideas.rules import status_label
from bot.features.lessons import learning
from bot.features.lessons.catalogue import LEVELS, catalogue
from bot.features.lessons.handlers import show_lesson
from bot.features.polls.actions import PollShow
from bot.features.polls.runs import open_runs_for
from bot.features.qa.answer import MAX_QUESTION_CHARS as QUESTION_MAX
from bot.features.qa.handlers import answer_reply
from bot.features.report.figures import month_glance
from bot.features.report.handlers import report_reply
from bot.features.report.month import Month
from bot.features.report.report import glance_fields

log = logging.getLogger(__name__)

IDEAS_SHOWN = 5
POLLS_SHOWN = 5


def register(router: Router) -> None:
    router.command("home", partial(home, router=router), listed=False)  # the Home tab; nobody types it
    router.action(
        AskButton, lambda core, request, _: Reply(text=t("home.ask.title", request.lang), form=ask_form(request.lang))
    )
    router.form(AskForm, submit_question)
    router.action(LessonButton, lambda core, request, action: show_lesson(core, replace(request, text=action.lesson)))
    router.action(ReportButton, report_action)


def home(core: Core, request: Request, router: Router) -> Reply:
    lang = request.lang
    buttons = [
        IdeaNew().button(t("home.button.idea", lang), style="primary"),
        AskButton().button(t("home.button.ask", lang)),
        help_button(lang),
    ]
    sections = [Section(text=f"**{t('home.title', lang)}**\n{t('home.body', lang)}", buttons=buttons)]
    parts: list[Callable[[Core, Request], list[Section]]] = [_lesson, _learning, _polls, _ideas]
    if request.is_admin:
        parts.append(_admin)
    for part in parts:
        try:
            sections += part(core, request)
        except Exception:  # noqa: BLE001 - see the module doc
            log.exception("home: the %s part failed", part.__name__.strip("_"))
    if request.is_admin:
        sections.append(Section(text=admin_help(router, lang)))
    return Reply(text=t("home.title", lang), sections=sections)


def _lesson(core: Core, request: Request) -> list[Section]:
    lang = request.lang
    lessons = catalogue(content_root(core.engine))
    with core.sessions() as session:
        post = learning.latest_lesson_post(session, core.settings.kiun_lesson_channel)
        lesson = lessons.get(post.item_id) if post else None
        done = (
            post is not None
            and lesson is not None
            and learning.has_answered(session, request.user_id, learning.lesson_quiz(post.item_id, post.round))
        )
    if lesson is None:
        return []
    state = t("home.lesson.answered" if done else "home.lesson.not_answered", lang)
    text = t(
        "home.lesson.text",
        lang,
        title=literal(lesson.title),
        level=LEVELS[lesson.level],
        minutes=lesson.minutes,
        state=state,
    )
    button = LessonButton(lesson=lesson.id).button(t("home.lesson.button", lang))
    return [Section(text=f"**{t('home.lesson.heading', lang)}**\n{text}", buttons=[button])]


def _learning(core: Core, request: Request) -> list[Section]:
    lang = request.lang
    today = core.local_now().date()
    progress = learning.progress(core, request.user_id, core.settings.kiun_lesson_channel, today)
    text = t(
        "home.learning.text",
        lang,
        streak=progress.streak_weeks,
        seen=progress.seen,
        posted=progress.posted,
        rate=progress.rate,
        reviews=progress.reviews_pending,
    )
    return [Section(text=f"**{t('home.learning.heading', lang)}**\n{text}")]


def _polls(core: Core, request: Request) -> list[Section]:
    lang = request.lang
    try:
        found = open_runs_for(core, request.user_id)
    except ConfigError:  # no KIUN_SECRET_KEY: no poll can run
        return []
    heading = f"**{t('home.polls.heading', lang)}**"
    if not found:
        return [Section(text=f"{heading}\n{t('home.polls.none', lang)}")]
    lines = [
        t(
            "home.polls.row",
            lang,
            title=literal(run.title),
            day=day_text(run.closes_on, "short_weekday", lang),
            answered=answered,
            total=len(run.spec["questions"]),
        )
        for run, answered in found[:POLLS_SHOWN]
    ]
    button = PollShow().button(t("home.polls.button", lang), style="primary")
    return [Section(text="\n".join([heading, *lines]), buttons=[button])]


def _ideas(core: Core, request: Request) -> list[Section]:
    lang = request.lang
    listing = store.list_ideas(core, "mine", "", 1, request.user_id)
    heading = f"**{t('home.ideas.heading', lang)}**"
    if not listing.total:
        return [Section(text=f"{heading}\n{t('home.ideas.none', lang)}")]
    lines = [
        t(
            "home.ideas.row",
            lang,
            number=number(idea.id),
            title=literal(idea.title),
            status=status_label(idea.status, lang),
            votes=votes,
            comments=comments,
        )
        for idea, votes, comments in listing.rows[:IDEAS_SHOWN]
    ]
    if listing.total > IDEAS_SHOWN:
        lines.append(t("home.ideas.more", lang, n=listing.total - IDEAS_SHOWN))
    button = IdeaList(view="mine").button(t("home.ideas.button", lang))
    return [Section(text="\n".join([heading, *lines]), buttons=[button])]


def _admin(core: Core, request: Request) -> list[Section]:
    lang = request.lang
    month = Month.of(core.local_now().date())
    glance = month_glance(core, month)
    heading = t("home.admin.heading", lang, month=day_text(month.first, "month", lang))
    buttons = [
        ReportButton(month=month.key()).button(t("home.admin.report", lang), style="primary"),
        ReportButton(month=month.previous().key()).button(t("home.admin.previous_report", lang)),
    ]
    return [
        Section(text=f"**{heading}**", fields=glance_fields(glance, lang), buttons=buttons),
    ]


# -- asking from the Home tab -------------------------------------------------------------------------------------


def ask_form(lang: str) -> Form:
    return AskForm().form(
        title=t("home.ask.title", lang),
        submit_label=t("home.ask.submit", lang),
        intro=t("home.ask.intro", lang),
        inputs=[
            Input(
                name="question",
                label=t("home.ask.label", lang),
                kind="multiline",
                max_length=QUESTION_MAX,
                placeholder=t("home.ask.placeholder", lang),
            )
        ],
    )


def submit_question(core: Core, request: Request, _: AskForm) -> Reply:
    """The question form: answered as ``/ask`` would, by DM (the documents and an LLM can take a while)."""
    lang = request.lang
    question = (request.values.get("question") or "").strip()
    if not question:
        return Reply(text=t("error.required", lang), errors={"question": t("error.required", lang)})
    if len(question) > QUESTION_MAX:
        message = t("error.too_long", lang, length=len(question), limit=QUESTION_MAX)
        return Reply(text=message, errors={"question": message})
    asked = {"user": request.user.model_dump(mode="json"), "lang": lang, "text": question}
    return defer(
        core,
        "home-ask",
        asked,
        key=f"home-ask:{request.user_id}:{uuid.uuid4().hex[:12]}",
        ack=Reply(text=t("home.ask.coming", lang)),
        reply_to=request.user,
    )


@task("home-ask")
def answer_task(core: Core, asked: dict[str, Any]) -> Reply:
    """Answer a question asked from the Home as ``/ask`` would; the answer goes to the person by DM."""
    request = Request(User.model_validate(asked["user"]), lang=asked["lang"], text=asked["text"])
    return answer_reply(core, request, ephemeral=False)


def report_action(core: Core, request: Request, action: ReportButton) -> Reply:
    """The report buttons of the admins' Home: the same as ``/kiun admin report YYYY-MM``."""
    if not request.is_admin:
        return Reply(text=t("error.not_admin", request.lang))
    return report_reply(core, request, action.month)
