"""Quiz buttons through the real Bolt app with signed requests: one answer per person, feedback only to them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.chat.i18n import t
from bot.features.lessons.actions import QuizAnswer as QuizButton
from bot.models import QuizAnswer
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture


def text_of(response: dict) -> str:
    return response["text"] + json.dumps(response.get("blocks", []), ensure_ascii=False)


def test_quiz_button_twice_records_one_answer_and_answers_ephemerally(content: Path, kiun, sender) -> None:
    """Buttons posted before typed actions (``quiz_answer_<n>``, ``<quiz>|<choice>``) still count."""
    assert sender.block_action("quiz_answer_0", "L:first|0", user_id="U_STAFF").status == 200
    first = kiun.wait_responses(1)[0]
    assert first["response_type"] == "ephemeral" and first["replace_original"] is False
    assert first["text"] == "残念、正解は「選択肢B」です。" and "レッスン1の解説です。" in text_of(first)

    assert sender.block_action("quiz_answer_1", "L:first|1", user_id="U_STAFF").status == 200
    second = kiun.wait_responses(2)[1]
    assert second["response_type"] == "ephemeral"
    assert second["text"] == t("lesson.feedback.already_short")
    assert "あなたの回答：「選択肢A」— 不正解" in text_of(second)

    sender.block_action("quiz_answer_1", "L:first|1", user_id="U_OTHER")
    assert kiun.wait_responses(3)[2]["text"] == "正解です！"
    with kiun.core.sessions() as session:
        rows = session.execute(select(QuizAnswer.user_id, QuizAnswer.choice).order_by(QuizAnswer.user_id)).all()
    assert rows == [("U_OTHER", 1), ("U_STAFF", 0)]
    assert kiun.slack_api.calls_to("chat.postMessage") == []  # nothing was posted in the channel


def test_kiun_lesson_renders_quiz_buttons_in_the_ack(content: Path, sender) -> None:
    body = sender.command("/kiun", "lesson").json()
    assert body["response_type"] == "ephemeral"
    actions = [block for block in body["blocks"] if block["type"] == "actions"]
    # one action, made unique within the block by the Slack platform
    assert [element["action_id"] for element in actions[0]["elements"]] == [
        "quiz_answer",
        "quiz_answer.1",
        "quiz_answer.2",
    ]
    assert actions[0]["elements"][1]["value"] == QuizButton(quiz="L:first", choice=1).payload


def test_a_rendered_quiz_button_counts(content: Path, kiun, sender) -> None:
    body = sender.command("/kiun", "lesson", user_id="U_OTHER").json()
    second = [block for block in body["blocks"] if block["type"] == "actions"][0]["elements"][1]
    assert sender.block_action(second["action_id"], second["value"], user_id="U_OTHER").status == 200
    assert kiun.wait_responses(1)[0]["text"] == "正解です！"
    with kiun.core.sessions() as session:
        assert session.execute(select(QuizAnswer.user_id, QuizAnswer.choice)).all() == [("U_OTHER", 1)]
