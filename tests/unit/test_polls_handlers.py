"""Bad input to the poll handlers gets a polite Japanese answer and stores nothing."""

from __future__ import annotations

import pytest

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.request import Request
from bot.features import build_router
from bot.features.polls.actions import PollAnswer
from tests.addresses import as_user
from tests.polls_support import USERS, answer_rows, open_for


def press(core: Core, value: str, user: str = USERS[0]) -> str:
    request = Request(as_user(user), kind="action", action_id="poll_answer", value=value)
    return build_router().dispatch(core, request).text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("garbage", t("error.unknown_action")),
        ('{{"run": 0, "question": "relevance", "answer": "3"}}', t("error.unknown_action")),
        ('{{"run": "{run}", "question": "relevance", "answer": "3"}}', t("error.unknown_action")),  # strict: no str
        ('{{"run": {run}, "question": "relevance", "answer": "9"}}', "この回答は受け付けられませんでした"),
        ("{run}:relevance:9", "この回答は受け付けられませんでした"),  # likert is 1-5
        ("{run}:recommend:11", "この回答は受け付けられませんでした"),
        ("{run}:department:nowhere", "この回答は受け付けられませんでした"),
        ("{run}:nosuchquestion:1", "この回答は受け付けられませんでした"),
        ("999:relevance:3", "#999 が見つかりません"),
    ],
)
def test_tampered_or_stale_buttons_are_refused(core: Core, value: str, expected: str) -> None:
    run = open_for(core, USERS)
    assert expected in press(core, value.format(run=run.id))
    assert answer_rows(core, run.id) == []


def test_a_typed_button_and_an_old_one_both_count(core: Core) -> None:
    run = open_for(core, USERS)
    assert "回答" in press(core, PollAnswer(run=run.id, question="relevance", answer="4").payload)
    assert "回答" in press(core, f"{run.id}:recommend:7", USERS[1])  # a button posted before typed actions
    assert len(answer_rows(core, run.id)) == 2


def test_answering_without_the_secret_key_asks_for_the_administrator(core: Core) -> None:
    run = open_for(core, USERS)
    core.settings.kiun_secret_key = None
    assert "KIUN_SECRET_KEY" in press(core, f"{run.id}:relevance:3")
    assert answer_rows(core, run.id) == []
