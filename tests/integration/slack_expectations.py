"""What kiun answers in Slack, checked alike over HTTP (test_slack_commands, test_slack_events, test_ideas_slack)
and in Socket Mode (test_slack_socket_mode): each function asserts one kind of answer."""

from __future__ import annotations

import json
from typing import Any

from bot.chat.i18n import t


def help_ack(body: dict[str, Any]) -> None:
    """``/kiun help`` answered in the ack: ephemeral, Japanese, without the admin menu for staff."""
    assert body["response_type"] == "ephemeral"
    text = body["text"] + json.dumps(body.get("blocks", []), ensure_ascii=False)
    assert "kiun（機運）の使い方" in text and "/idea" in text and "/ask" in text
    assert "管理コマンド" not in text


def thinking_ack(body: dict[str, Any]) -> None:
    """A slow command (``/ask``) acked at once with 「考えています…」."""
    assert body["text"] == t("ask.thinking")


def ask_refused(answer: dict[str, Any]) -> None:
    """``/ask`` with no documents indexed: a refusal, ephemeral, through response_url."""
    assert answer["text"] == t("ask.refused") and answer["response_type"] == "ephemeral"


def help_button_answer(answer: dict[str, Any]) -> None:
    """The help button, answered ephemerally through response_url without replacing the message."""
    assert answer["text"] == t("help.title") and answer["replace_original"] is False
    assert any("/kiun help" in block["text"]["text"] for block in answer["blocks"] if block["type"] == "section")


def mention_reply(post: dict[str, Any], thread_ts: str = "1700000001.000100") -> None:
    """An @mention answered in its thread with the hint."""
    assert post["channel"] == "C_GENERAL" and post["thread_ts"] == thread_ts
    assert post["text"] == t("message.hint")


def dm_reply(post: dict[str, Any]) -> None:
    """A DM answered in the DM with the hint."""
    assert post["channel"] == "D_STAFF" and post["text"] == t("message.hint")


def admin_home(call: dict[str, Any], user_id: str) -> None:
    """``views.publish`` of the Home tab for an admin: kiun's home with the admin menu and buttons."""
    assert call["user_id"] == user_id
    view = call["view"]
    assert view["type"] == "home"
    texts = " ".join(block["text"]["text"] for block in view["blocks"] if block["type"] == "section")
    assert t("home.title") in texts and "管理コマンド" in texts
    assert any(block["type"] == "actions" for block in view["blocks"])


def idea_received_dm(dm: dict[str, Any], user_id: str, number: int = 1) -> None:
    """The DM confirming a proposal submitted with the idea form (``full_idea()``'s title)."""
    assert dm["channel"] == f"D{user_id}"
    assert dm["text"].startswith(f"提案 #{number}「会議資料をペーパーレスにする」を受け付けました")
