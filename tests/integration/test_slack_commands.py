"""Slash commands, buttons and modals through the real Bolt app over HTTP, answering within the ack."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.actions import Action
from bot.chat.i18n import t
from bot.chat.reply import Input, Option, Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features import build_router
from bot.models import CalendarOverride
from tests.conftest import ADMIN
from tests.integration import slack_expectations as expect
from tests.integration.slack_harness import start_kiun


def ack_text(response) -> str:
    body = response.json()
    return body["text"] + json.dumps(body.get("blocks", []), ensure_ascii=False)


def test_kiun_help_is_ephemeral_japanese_within_the_ack(sender):
    response = sender.command("/kiun", "help")
    assert response.status == 200
    expect.help_ack(response.json())


def test_unknown_subcommand_lists_valid_ones(sender):
    text = ack_text(sender.command("/kiun", "foo"))
    assert "「foo」は分かりませんでした" in text and "/kiun help" in text and "/kiun admin" in text


def test_user_text_cannot_inject_mentions_or_links(sender):
    text = ack_text(sender.command("/kiun", "<!channel> <https://evil.example|銀行>"))
    assert "<!channel>" not in text and "<https://" not in text
    assert "&lt;!channel&gt;" in text


def test_admin_only_for_admins(kiun, sender):
    denied = ack_text(sender.command("/kiun", "admin closed add 2026-05-01 市民祭", user_id="U_STAFF"))
    assert denied.startswith(t("error.not_admin"))
    with kiun.core.sessions() as session:
        assert session.scalars(select(CalendarOverride)).all() == []
    done = ack_text(sender.command("/kiun", "admin closed add 2026-05-01 市民祭", user_id=ADMIN))
    assert "2026-05-01 を休業日にしました" in done
    with kiun.core.sessions() as session:
        row = session.scalars(select(CalendarOverride)).one()
    assert (row.day.isoformat(), row.created_by, row.note) == ("2026-05-01", ADMIN, "市民祭")


def test_ask_acks_at_once_then_answers_lazily(kiun, sender):
    response = sender.command("/ask", "DXとは何ですか")
    expect.thinking_ack(response.json())
    expect.ask_refused(kiun.wait_responses(1)[0])  # no documents indexed yet


def test_button_press_answers_through_response_url(kiun, sender):
    assert sender.block_action("kiun_help", "help").status == 200
    expect.help_button_answer(kiun.wait_responses(1)[0])


def test_stale_button_gets_a_polite_hint(kiun, sender):
    sender.block_action("no_such_button")
    assert kiun.wait_responses(1)[0]["text"] == t("error.unknown_action")


# -- forms: a router with a small feature that uses them --------------------------------------------------
LONG_TITLE = "業務改善アイデアを提案するためのとても長いフォーム名"


class Proposal(Action):
    name = "proposal"
    dept: int


def form_router() -> Router:
    router = build_router()
    form = Proposal(dept=42).form(
        title=LONG_TITLE,
        submit_label="送信する",
        intro="提案をお寄せください。",
        inputs=[
            Input(name="title", label="タイトル", max_length=80),
            Input(name="body", label="内容", kind="multiline", max_length=2000),
            Input(name="dept", label="部署", kind="select", options=[Option(value="d1", label="総務課")]),
            Input(name="tags", label="分野", kind="checkbox", optional=True, options=[Option(value="ai", label="AI")]),
            Input(name="hours", label="削減時間", kind="number", optional=True),
        ],
    )

    def submit(core: Core, request: Request, action: Proposal) -> Reply:
        if not request.values.get("title"):
            return Reply(text="", errors={"title": t("error.required", request.lang)})
        return Reply(text=f"受け付けました: {request.values['title']} (dept={action.dept}, {request.values['tags']})")

    router.command("idea", lambda core, request: Reply(text="", form=form))
    router.command("ideas", lambda core, request: Reply(text=f"公開投稿 {request.text}", ephemeral=False))
    router.form(Proposal, submit)
    return router


@pytest.fixture
def forms(core, slack_api):
    running = start_kiun(core, slack_api, form_router())
    yield running
    running.stop()


def test_command_with_form_opens_a_modal_within_limits(forms):
    response = forms.sender().command("/idea")
    assert response.status == 200 and response.body == ""
    call = forms.slack_api.wait_for("views.open")[0]
    view = call.params["view"]
    assert call.params["trigger_id"].startswith("trigger.")
    assert view["type"] == "modal" and view["callback_id"] == "proposal" and view["private_metadata"] == '{"dept":42}'
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    inputs = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert inputs["body"] == {"type": "plain_text_input", "multiline": True, "max_length": 2000, "action_id": "body"}
    assert inputs["dept"]["type"] == "static_select" and inputs["tags"]["type"] == "checkboxes"
    assert inputs["hours"]["type"] == "number_input"


def test_view_submission_errors_stay_in_the_modal(forms):
    values = {"title": {"title": {"type": "plain_text_input", "value": None}}}
    response = forms.sender().view_submission("proposal", values, private_metadata=Proposal(dept=42).payload)
    assert response.json() == {"response_action": "errors", "errors": {"title": t("error.required")}}
    assert not forms.slack_api.calls_to("chat.postMessage")


def test_view_submission_closes_and_answers_in_a_dm(forms):
    values = {
        "title": {"title": {"type": "plain_text_input", "value": "紙の申請を減らす"}},
        "tags": {"tags": {"type": "checkboxes", "selected_options": [{"value": "ai"}]}},
    }
    metadata = Proposal(dept=42).payload
    response = forms.sender().view_submission("proposal", values, user_id="U_STAFF", private_metadata=metadata)
    assert response.status == 200 and response.body == ""
    post = forms.slack_api.wait_for("chat.postMessage")[0].params
    assert forms.slack_api.calls_to("conversations.open")[0].params["users"] == "U_STAFF"
    assert post["channel"] == "DU_STAFF"
    assert post["text"] == "受け付けました: 紙の申請を減らす (dept=42, ai)"
    assert post["metadata"]["event_type"] == "kiun_outbox"


def test_public_reply_is_posted_in_the_channel(forms):
    assert forms.sender().command("/ideas", "hello", channel_id="C_IDEAS").status == 200
    post = forms.slack_api.wait_for("chat.postMessage")[0].params
    assert post["channel"] == "C_IDEAS" and post["text"] == "公開投稿 hello"
