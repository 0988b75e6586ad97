"""The Web API client retries 5xx and honours 429 Retry-After; when Slack stays down the user is told and the
message waits in the outbox."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.chat.i18n import t
from bot.chat.reply import Form, Input, Reply
from bot.features import build_router
from bot.models import OutboxMessage
from tests.addresses import as_channel
from tests.integration.slack_harness import start_kiun


def mention_event() -> dict:
    return {"type": "app_mention", "user": "U_STAFF", "channel": "C_GENERAL", "ts": "1700000001.000100", "text": "hi"}


def test_server_errors_are_retried(kiun, sender):
    kiun.slack_api.fail("chat.postMessage", status=500, times=1)
    kiun.slack_api.fail("chat.postMessage", status=502, times=1)
    sender.event(mention_event())
    calls = kiun.slack_api.wait_for("chat.postMessage", 3)
    kiun.server.stop()
    assert len(calls) == len(kiun.slack_api.calls_to("chat.postMessage")) == 3
    with kiun.core.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []  # delivered on the third attempt


def test_rate_limit_waits_for_retry_after(kiun, sender):
    kiun.slack_api.fail("chat.postMessage", status=429, times=1, retry_after=1)
    started = time.monotonic()
    sender.event(mention_event())
    kiun.slack_api.wait_for("chat.postMessage", 2, timeout=10)
    assert time.monotonic() - started >= 1.0
    kiun.server.stop()
    assert len(kiun.slack_api.calls_to("chat.postMessage")) == 2


@pytest.fixture
def public(core, slack_api):
    router = build_router()
    router.command("ideas", lambda core, request: Reply(text="みんなへのお知らせ", ephemeral=False))
    form = Form(callback_id="f", title="提案", submit_label="送信", inputs=[Input(name="x", label="X")])
    router.command("idea", lambda core, request: Reply(text="", form=form))
    running = start_kiun(core, slack_api, router)
    yield running
    running.stop()


def test_slack_down_user_is_told_it_will_retry_and_outbox_keeps_it(public):
    public.slack_api.fail("chat.postMessage", status=503, times=10)
    response = public.sender().command("/ideas", channel_id="C_IDEAS")
    assert response.status == 200
    answer = public.wait_responses(1)[0]
    assert answer["text"] == t("error.will_retry") and answer["response_type"] == "ephemeral"
    assert len(public.slack_api.calls_to("chat.postMessage")) == 3  # one call and two retries
    with public.core.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert (row.address, row.state, row.payload["text"]) == (
        as_channel("C_IDEAS", "slack"),
        "pending",
        "みんなへのお知らせ",
    )
    assert row.key.startswith("reply:")


def test_form_that_cannot_open_gets_an_answer(public):
    public.slack_api.fail("views.open", status=500, times=10)
    assert public.sender().command("/idea").status == 200
    assert public.wait_responses(1)[0]["text"] == t("slack.form_failed")
    assert len(public.slack_api.calls_to("views.open")) == 3
