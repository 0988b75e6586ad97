"""Typed actions: payloads are validated once, by the router, with exact names; old plain-text payloads still read."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.app.core import Core
from bot.chat.actions import MAX_ID, Action
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features.home.actions import LessonButton, ReportButton
from bot.features.ideas.actions import IdeaDraft, IdeaEdit, IdeaList, IdeaNew, IdeaStatusForm, IdeaVote
from bot.features.lessons.actions import QuizAnswer
from bot.features.polls.actions import PollAnswer, PollText
from bot.features.qa.actions import Feedback
from bot.platforms.slack.blocks import action_name
from tests.addresses import as_user


class Pick(Action):
    name = "pick"
    item: int


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (IdeaVote, '{"idea": 0}'),  # ids are positive
        (IdeaVote, f'{{"idea": {MAX_ID + 1}}}'),  # … and within PostgreSQL's integer
        (IdeaVote, '{"idea": "12"}'),  # strict: a string is not an id
        (IdeaVote, '{"idea": 1.0}'),
        (IdeaVote, '{"idea": 1, "admin": true}'),  # unknown fields are refused
        (IdeaVote, '{"idea": 1'),  # not JSON
        (IdeaVote, "{}"),
        (QuizAnswer, '{"quiz": "L:first", "choice": 4}'),  # a quiz has at most four choices
        (QuizAnswer, '{"quiz": "", "choice": 0}'),
        (QuizAnswer, '{"quiz": "' + "x" * 65 + '", "choice": 0}'),
        (IdeaList, '{"view": "everything"}'),
        (IdeaList, '{"view": "new", "page": 0}'),
        (IdeaList, '{"view": "search", "arg": "' + "語" * 101 + '"}'),
        (ReportButton, '{"month": "2026-1"}'),
        (PollAnswer, '{"run": 1, "question": "q", "answer": "' + "9" * 65 + '"}'),
        (Feedback, '{"question": 1}'),  # helpful is required
        (IdeaVote, "²"),  # old text: str.isdigit() says yes, int() says no
        (IdeaVote, "99999999999999999999"),
        (IdeaVote, "vote:x"),
        (QuizAnswer, "L:first|²"),
        (QuizAnswer, "L:first|9"),
        (PollAnswer, "99999999999999999999:relevance:1"),
        (PollAnswer, "1::1"),  # no question
        (PollText, "1"),
        (IdeaStatusForm, ":received"),
        (Feedback, "not-a-number"),
    ],
)
def test_invalid_payloads_are_refused(model: type[Action], payload: str) -> None:
    with pytest.raises(ValidationError):
        model.parse(payload, model.name)


@pytest.mark.parametrize(
    ("model", "name", "old", "typed"),
    [
        (QuizAnswer, "quiz_answer_2", "L:first|2", QuizAnswer(quiz="L:first", choice=2)),
        (QuizAnswer, "quiz_answer_0", "R:3:1|0", QuizAnswer(quiz="R:3:1", choice=0)),
        (IdeaVote, "idea_vote", "12", IdeaVote(idea=12)),
        (IdeaVote, "idea_vote", "vote:12", IdeaVote(idea=12, add=True)),
        (IdeaDraft, "idea_draft", "3", IdeaDraft(draft=3)),
        (IdeaList, "idea_list", "new|2|", IdeaList(view="new", page=2)),
        (IdeaList, "idea_list", "search|x|紙 申請", IdeaList(view="search", arg="紙 申請")),  # a bad page: the first
        (IdeaEdit, "idea_edit", "5", IdeaEdit(idea=5)),
        (IdeaStatusForm, "idea_status", "5:received", IdeaStatusForm(idea=5, expected="received")),
        (IdeaStatusForm, "idea_status", "5", IdeaStatusForm(idea=5)),
        (IdeaNew, "idea_new", "new", IdeaNew()),  # an action without fields ignores an old value
        (PollAnswer, "poll_answer.3", "7:relevance:4", PollAnswer(run=7, question="relevance", answer="4")),
        (PollAnswer, "poll_answer", "7:comment:", PollAnswer(run=7, question="comment")),
        (PollText, "poll_text", "7:comment", PollText(run=7, question="comment")),
        (Feedback, "qa_feedback_up", "42", Feedback(question=42, helpful=True)),
        (Feedback, "qa_feedback_down", "42", Feedback(question=42, helpful=False)),
        (LessonButton, "home_lesson", "why-dx-now", LessonButton(lesson="why-dx-now")),
        (ReportButton, "home_report", "2026-11", ReportButton(month="2026-11")),
    ],
)
def test_payloads_posted_before_typed_actions_still_read(model, name: str, old: str, typed: Action) -> None:
    assert model.parse(old, name) == typed
    assert model.parse(typed.payload, name) == typed  # and the JSON round-trips


def test_a_button_carries_the_name_and_the_model_as_json() -> None:
    button = IdeaVote(idea=3, add=True).button("投票", style="primary")
    assert (button.action_id, button.value, button.style) == ("idea_vote", '{"idea":3,"add":true}', "primary")
    form = IdeaEdit(idea=3).form(title="T", submit_label="OK", inputs=[])
    assert (form.callback_id, form.metadata) == ("idea_edit", '{"idea":3}')
    with pytest.raises(ValidationError):  # frozen
        IdeaVote(idea=3).idea = 4  # type: ignore[misc]


@pytest.fixture
def router() -> tuple[Router, list[Pick]]:
    router = Router()
    pressed: list[Pick] = []

    def handler(core: Core, request: Request, action: Pick) -> Reply:
        pressed.append(action)
        return Reply(text=f"picked {action.item}")

    router.action(Pick, handler)
    router.form(Pick, handler)
    return router, pressed


@pytest.mark.parametrize(
    ("kind", "name", "payload"),
    [
        ("action", "nope", '{"item": 1}'),
        ("action", "pick_1", '{"item": 1}'),  # exact names only: no prefix matching
        ("action", "pic", '{"item": 1}'),
        ("action", "pick", '{"item": "1"}'),
        ("action", "pick", "1"),  # Pick reads no old text
        ("form", "pick", "{}"),
        ("form", "nope", '{"item": 1}'),
    ],
)
def test_unknown_or_invalid_gets_one_polite_message_and_a_log_line(
    core: Core, router, caplog, kind: str, name: str, payload: str
) -> None:
    routes, pressed = router
    fields = {"action_id": name, "value": payload} if kind == "action" else {"callback_id": name, "metadata": payload}
    with caplog.at_level(logging.WARNING, logger="bot.chat.router"):
        reply = routes.dispatch(core, Request(as_user("U1"), kind=kind, lang="ja", **fields))
    assert reply.text == t("error.unknown_action") and pressed == []
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert reply.text.startswith("このボタンまたはフォームは")


def test_the_handler_gets_the_validated_model(core: Core, router) -> None:
    routes, pressed = router
    reply = routes.dispatch(core, Request(as_user("U1"), kind="action", action_id="pick", value='{"item": 7}'))
    assert reply.text == "picked 7" and pressed == [Pick(item=7)]


def test_a_name_is_registered_once(router) -> None:
    routes, _ = router
    with pytest.raises(ValueError, match="pick"):
        routes.action(Pick, lambda core, request, action: Reply(text=""))


def test_slack_strips_only_the_index_suffix_it_adds() -> None:
    assert [action_name(a) for a in ("poll_answer", "poll_answer.1", "poll_answer.12", "quiz_answer_1")] == [
        "poll_answer",
        "poll_answer",
        "poll_answer",
        "quiz_answer_1",
    ]
    assert action_name("idea_vote.x") == "idea_vote.x"
