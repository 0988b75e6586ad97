"""Pulse polls: answering (buttons and the comment form), ``/kiun poll`` and ``/kiun admin poll …``.

Nothing here logs an answer: failures are logged by exception type only (database errors would carry the
values in their message).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import distinct, func, select

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.chat.actions import MAX_ID, int_or_text
from bot.chat.i18n import t
from bot.chat.markup import channel, literal
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.common.text import day_text
from bot.content.tree import content_root
from bot.delivery.deferred import defer, task
from bot.features.polls import runs
from bot.features.polls.actions import PollAnswer as AnswerButton
from bot.features.polls.actions import PollShow, PollText
from bot.features.polls.models import PollAnswer, PollRun, RunState
from bot.features.polls.results import compute_results
from bot.features.polls.runs import PollError, broadcast, close_run, record_answer, start_run
from bot.features.polls.templates import (
    COMMENT_LIMIT,
    PollTemplate,
    TemplateError,
    get_template,
    load_templates,
    templates_dir,
)
from bot.features.polls.views import COMMENT_INPUT, answered_reply, poll_message, results_message, text_form

log = logging.getLogger(__name__)

RECENT_RUNS = 10


def register(router: Router) -> None:
    router.subcommand("poll", mine)
    router.action(AnswerButton, answer)
    router.action(PollShow, lambda core, request, _: mine(core, request))
    router.form(PollText, submit_text)
    router.admin("poll", admin)


def _safely(handler):
    """Turn PollError into its message and anything else into the generic one, logging the type only."""

    def wrapped(core: Core, request: Request, *action) -> Reply:
        try:
            return handler(core, request, *action)
        except PollError as exc:
            return Reply(text=t(exc.key, request.lang, **exc.values))
        except ConfigError:
            return Reply(text=t("poll.admin.no_secret", request.lang))
        except Exception as exc:  # noqa: BLE001 - see the module doc: never log the values
            log.error("poll: %s failed with %s", handler.__name__, type(exc).__name__)
            return Reply(text=t("error.generic", request.lang))

    wrapped.__name__ = handler.__name__
    return wrapped


def _run(core: Core, run_id: int) -> PollRun:
    with core.sessions() as session:
        run = session.get(PollRun, run_id)
    if run is None:
        raise PollError("poll.not_found", run=run_id)
    return run


@_safely
def answer(core: Core, request: Request, action: AnswerButton) -> Reply:
    """A button in the poll message: store the answer, or open the comment form for a text question."""
    run, question_id, raw = _run(core, action.run), action.question, action.answer
    question = PollTemplate.from_spec(run.spec).question(question_id)
    if question is not None and question.type == "text":
        if run.state != RunState.OPEN:
            raise PollError(
                "poll.closed" if run.state == RunState.CLOSED else "poll.not_ready", title=literal(run.title)
            )
        current = runs.current_text(core, request.user_id, run.id, question_id)
        form = text_form(run, question, current, request.lang)
        return Reply(text=form.title, form=form)
    outcome = record_answer(core, request.user_id, run.id, question_id, raw, core.local_now().date())
    return answered_reply(outcome, request.lang)


@_safely
def submit_text(core: Core, request: Request, action: PollText) -> Reply:
    """The comment form: too long → shown in place (the text stays); otherwise stored (empty removes it)."""
    text = request.values.get(COMMENT_INPUT, "")
    if len(text) > COMMENT_LIMIT:
        message = t("poll.comment_too_long", request.lang, length=len(text), limit=COMMENT_LIMIT)
        return Reply(text=message, errors={COMMENT_INPUT: message})
    run = _run(core, action.run)
    outcome = record_answer(core, request.user_id, run.id, action.question, text, core.local_now().date())
    return answered_reply(outcome, request.lang)


@_safely
def mine(core: Core, request: Request) -> Reply:
    """``/kiun poll``: the open polls sent to this person, with their buttons (to answer or change answers)."""
    lang = request.lang
    found = runs.open_runs_for(core, request.user_id)
    if not found:
        return Reply(text=t("poll.mine.none", lang))
    sections = []
    for run, answered in found:
        message = poll_message(run, lang)
        progress = t("poll.mine.progress", lang, answered=answered, total=len(run.spec["questions"]))
        head = message.sections[0].model_copy(update={"text": f"{message.sections[0].text}\n{progress}"})
        sections += [head, *message.sections[1:]]
    return Reply(text=poll_message(found[0][0], lang).text, sections=sections)


# -- admin -----------------------------------------------------------------------------------------------------
def admin(core: Core, request: Request) -> Reply:
    words = request.text.split()
    action = words[0] if words else "list"
    if action == "list":
        return admin_list(core, request)
    if action == "start" and len(words) == 2:
        return admin_start(core, request, words[1])
    if action in ("close", "results") and len(words) == 2:
        run_id = int_or_text(words[1].lstrip("#"))
        if not isinstance(run_id, int) or not 1 <= run_id <= MAX_ID:
            return Reply(text=t("poll.admin.bad_run", request.lang))
        return (admin_close if action == "close" else admin_results)(core, request, run_id)
    return Reply(text=t("poll.admin.usage", request.lang))


def admin_list(core: Core, request: Request) -> Reply:
    lang = request.lang
    rows = []
    for template in load_templates(templates_dir(content_root(core.engine))).values():
        kind = t("poll.kind_anonymous" if template.anonymous else "poll.kind_named", lang)
        schedule = t("poll.admin.every_n_weeks", lang, n=template.schedule.every_n_weeks) if template.schedule else ""
        rows.append(
            t(
                "poll.admin.template_row",
                lang,
                id=template.id,
                title=literal(template.title),
                kind=kind,
                questions=len(template.questions),
                period=template.period_days,
                schedule=schedule,
            )
        )
    with core.sessions() as session:
        recent = session.scalars(select(PollRun).order_by(PollRun.id.desc()).limit(RECENT_RUNS)).all()
        counts = dict(
            session.execute(
                select(PollAnswer.run_id, func.count(distinct(PollAnswer.respondent)))
                .where(PollAnswer.run_id.in_([run.id for run in recent]))
                .group_by(PollAnswer.run_id)
            ).all()
        )
    run_rows = [
        t(
            "poll.admin.run_row",
            lang,
            run=run.id,
            title=literal(run.title),
            state=t(f"poll.state.{run.state}", lang),
            opened=day_text(run.opened_on, "short_weekday", lang),
            closes=day_text(run.closes_on, "short_weekday", lang),
            responses=counts.get(run.id, 0),
            recipients=run.recipients,
        )
        for run in recent
    ]
    title = t("poll.admin.list_title", lang)
    templates = "\n".join(rows) or t("poll.admin.no_templates", lang)
    runs_text = "\n".join(run_rows) or t("poll.admin.no_runs", lang)
    return Reply(
        text=title,
        sections=[
            Section(text=f"**{title}**"),
            Section(text=f"{t('poll.admin.templates', lang)}\n{templates}"),
            Section(text=f"{t('poll.admin.runs', lang)}\n{runs_text}"),
            Section(text=t("poll.admin.usage", lang)),
        ],
    )


def admin_start(core: Core, request: Request, name: str) -> Reply:
    lang = request.lang
    if not core.settings.kiun_secret_key:
        return Reply(text=t("poll.admin.no_secret", lang))
    if not core.settings.kiun_poll_channel:
        return Reply(text=t("poll.admin.no_channel", lang))
    if core.directory is None:
        return Reply(text=t("poll.admin.no_directory", lang))
    try:
        template = get_template(name, templates_dir(content_root(core.engine)))
    except TemplateError as exc:
        return Reply(text=t("poll.admin.bad_template", lang, name=literal(name[:40]), problem=literal(str(exc))))
    try:
        run = start_run(core, template, core.local_now().date())
    except PollError as exc:
        return Reply(text=t(exc.key, lang, **exc.values))
    started = t(
        "poll.admin.started",
        lang,
        title=literal(run.title),
        run=run.id,
        channel=channel(run.channel),
        day=day_text(run.closes_on, "short_weekday", lang),
    )
    # listing and checking every member can take minutes; the poll jobs also resume a run left "opening"
    return defer(core, "poll-broadcast", {"run": run.id}, key=f"poll-broadcast:{run.id}", ack=Reply(text=started))


@task("poll-broadcast")
def broadcast_task(core: Core, payload: dict[str, Any]) -> None:
    """Send a started run to its channel's members (see :func:`bot.features.polls.runs.broadcast`)."""
    broadcast(core, payload["run"])


def admin_close(core: Core, request: Request, run_id: int) -> Reply:
    try:
        run = close_run(core, run_id)
    except PollError as exc:
        return Reply(text=t(exc.key, request.lang, **exc.values))
    closed = t("poll.admin.closed", request.lang, title=literal(run.title), run=run.id, channel=channel(run.channel))
    shown = admin_results(core, request, run_id)
    return shown.model_copy(update={"text": closed, "sections": [Section(text=closed), *shown.sections]})


def admin_results(core: Core, request: Request, run_id: int) -> Reply:
    with core.sessions() as session:
        run = session.get(PollRun, run_id)
        if run is None:
            return Reply(text=t("poll.not_found", request.lang, run=run_id))
        results = compute_results(session, run)
    return results_message(results, request.lang, admin=True)
