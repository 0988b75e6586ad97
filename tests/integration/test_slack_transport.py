"""SlackTransport with the real WebClient against the fake Slack Web API (which rejects invalid Block Kit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.reply import Reply, Section
from bot.delivery.outbox import CheckedTransport, PermanentDeliveryError, TransientDeliveryError
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport
from tests.addresses import as_channel, as_user


@pytest.fixture
def transport(core, settings) -> SlackTransport:
    return SlackTransport(make_client(settings))


def test_200_sections_and_10000_characters_are_accepted(transport, slack_api):
    many = Reply(text="多い", sections=[Section(text=f"項目 {i}") for i in range(200)])
    long = Reply(text="長い", sections=[Section(text="\n".join(["あ" * 99] * 100))])
    assert transport.send(as_channel("C_LESSONS", "slack"), many, key="k-many")
    assert transport.send(as_channel("C_LESSONS", "slack"), long, key="k-long")
    calls = slack_api.calls_to("chat.postMessage")
    assert len(calls) == 2  # accepted the first time: no invalid_blocks
    assert len(calls[0].params["blocks"]) == 50
    assert [len(b["text"]["text"]) <= 3000 for b in calls[1].params["blocks"]] == [True] * 4


def test_user_id_means_a_dm_with_the_key_in_metadata(transport, slack_api):
    ts = transport.send(as_user("U_STAFF", "slack"), Reply(text="お知らせ"), key="lesson:1:U_STAFF")
    transport.send(as_user("U_STAFF", "slack"), Reply(text="もう一通"), key="lesson:2:U_STAFF")
    assert slack_api.calls_to("conversations.open")[0].params["users"] == "U_STAFF"
    assert len(slack_api.calls_to("conversations.open")) == 1  # the DM channel is remembered
    post = slack_api.calls_to("chat.postMessage")[0].params
    assert post["channel"] == "DU_STAFF" and ts == slack_api.messages["DU_STAFF"][0]["ts"]
    assert post["metadata"] == {"event_type": "kiun_outbox", "event_payload": {"key": "lesson:1:U_STAFF"}}


def test_errors_become_delivery_errors(transport, slack_api):
    slack_api.fail("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(PermanentDeliveryError, match="channel_not_found"):
        transport.send(as_channel("C_GONE", "slack"), Reply(text="x"), key="k1")
    slack_api.fail("chat.postMessage", status=500, times=3)
    with pytest.raises(TransientDeliveryError):
        transport.send(as_channel("C_LESSONS", "slack"), Reply(text="x"), key="k2")
    assert len(slack_api.calls_to("chat.postMessage")) == 1 + 3  # retried twice by the client


def test_rate_limit_beyond_retries_carries_retry_after(transport, slack_api):
    slack_api.fail("chat.postMessage", status=429, times=3, retry_after=1)
    with pytest.raises(TransientDeliveryError) as error:
        transport.send(as_channel("C_LESSONS", "slack"), Reply(text="x"), key="k3")
    assert error.value.retry_after == 1.0


def test_delivery_check(transport, slack_api):
    assert isinstance(transport, CheckedTransport)
    since = datetime.now(UTC) - timedelta(minutes=1)  # real time, as the stand-in's message ts
    assert transport.was_delivered(as_channel("C_LESSONS", "slack"), "k4", since) is False
    transport.send(as_channel("C_LESSONS", "slack"), Reply(text="届いた"), key="k4")
    assert transport.was_delivered(as_channel("C_LESSONS", "slack"), "k4", since) is True
    assert transport.was_delivered(as_channel("C_LESSONS", "slack"), "k5", since) is False
    history = slack_api.calls_to("conversations.history")[0].params
    assert history["channel"] == "C_LESSONS" and history["include_all_metadata"] in (True, "1", "true")
    slack_api.fail("conversations.history", status=200, error="missing_scope")
    assert transport.was_delivered(as_channel("C_LESSONS", "slack"), "k4", since) is None
