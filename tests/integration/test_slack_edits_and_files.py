"""SlackTransport edits messages (chat.update) and uploads files, with the real WebClient against the stand-in."""

from __future__ import annotations

import pytest

from bot.chat.reply import File, Reply, Section
from bot.delivery.outbox import PermanentDeliveryError, TransientDeliveryError
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport
from tests.addresses import as_channel, as_user


@pytest.fixture
def transport(core, settings) -> SlackTransport:
    return SlackTransport(make_client(settings))


def test_update_edits_the_message_in_place(transport, slack_api):
    ts = transport.send(
        as_channel("C_IDEAS", "slack"), Reply(text="v0", sections=[Section(text="👍 0")]), key="idea:1:post"
    )
    assert transport.update(as_channel("C_IDEAS", "slack"), ts, Reply(text="v1", sections=[Section(text="👍 1")])) == ts
    [call] = slack_api.calls_to("chat.update")
    assert (call.params["channel"], call.params["ts"], call.params["text"]) == ("C_IDEAS", ts, "v1")
    assert call.params["blocks"][0]["text"]["text"] == "👍 1"
    assert "metadata" not in call.params  # the original message keeps its outbox key


def test_update_of_a_dm_uses_the_dm_channel(transport, slack_api):
    transport.update(as_user("U_STAFF", "slack"), "1.000001", Reply(text="更新"))
    assert slack_api.calls_to("chat.update")[0].params["channel"] == "DU_STAFF"


def test_update_errors_map_to_delivery_errors(transport, slack_api):
    slack_api.fail("chat.update", status=200, error="message_not_found")
    with pytest.raises(PermanentDeliveryError):
        transport.update(as_channel("C_IDEAS", "slack"), "1.000001", Reply(text="x"))
    slack_api.fail("chat.update", status=200, error="service_unavailable")
    with pytest.raises(TransientDeliveryError):
        transport.update(as_channel("C_IDEAS", "slack"), "1.000001", Reply(text="x"))


def test_file_is_uploaded_after_its_message(transport, slack_api):
    data = "\ufeff番号,件名\r\n1,会議資料のペーパーレス化\r\n".encode()
    reply = Reply(text="CSVです", file=File(filename="ideas.csv", title="提案一覧", mime="text/csv", data=data))
    transport.send(as_user("U_ADMIN", "slack"), reply, key="export:1")
    complete = slack_api.wait_for("files.completeUploadExternal")[0].params
    assert complete["channel_id"] == "DU_ADMIN"
    assert list(slack_api.uploads.values()) == [data]
    assert Reply.model_validate(reply.model_dump(mode="json")).file.data == data  # survives the outbox as JSON
