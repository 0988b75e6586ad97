"""Events API over HTTP: dedupe by event_id, mentions, DMs, App Home."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import PlatformEvent
from tests.conftest import ADMIN
from tests.fakes.slack_payloads import dm, mention
from tests.integration import slack_expectations as expect
from tests.integration.slack_harness import Kiun


def event_rows(kiun: Kiun) -> int:
    with kiun.core.sessions() as session:
        return session.scalar(select(func.count()).select_from(PlatformEvent))


def test_duplicate_event_acts_once(kiun, sender):
    first = sender.event(mention(), event_id="Ev0DUPLICATE")
    assert first.status == 200
    kiun.slack_api.wait_for("chat.postMessage", 1)
    retry = sender.event(mention(), event_id="Ev0DUPLICATE", retry_num=1)
    assert retry.status == 200
    # the duplicate was stopped before any listener ran, in the request itself
    assert 'kiun_slack_requests_total{kind="event",outcome="duplicate"} 1.0' in kiun.get("/metrics").body
    assert event_rows(kiun) == 1
    sender.event(mention(), event_id="Ev0OTHER")  # a different event still gets through
    kiun.server.stop()  # waits for every listener to finish
    assert len(kiun.slack_api.calls_to("chat.postMessage")) == 2


def test_mention_is_answered_in_its_thread(kiun, sender):
    sender.event(mention())
    expect.mention_reply(kiun.slack_api.wait_for("chat.postMessage")[0].params)


def test_dm_is_answered_and_bot_messages_are_ignored(kiun, sender):
    sender.event(dm(bot_id="B_OTHER"))
    sender.event(dm(subtype="message_changed"))
    sender.event(dm(user="UBOT"))
    sender.event(dm(channel_type="channel", channel="C_GENERAL"))
    sender.event(dm())
    kiun.server.stop()  # waits for every listener to finish
    [post] = [call.params for call in kiun.slack_api.calls_to("chat.postMessage")]
    expect.dm_reply(post)


def test_app_home_opened_publishes_the_home_view(kiun, sender):
    sender.event({"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home"})
    expect.admin_home(kiun.slack_api.wait_for("views.publish")[0].params, ADMIN)


def test_thread_replies_go_to_thread_handlers(core, slack_api):
    from bot.chat.address import Channel
    from bot.chat.reply import Reply
    from bot.features import build_router
    from tests.integration.slack_harness import start_kiun

    router = build_router()
    seen = []

    def on_thread(_core, request):
        assert request.thread.channel == request.channel == Channel(platform="slack", id=request.channel.id)
        seen.append((request.kind, request.channel.id, request.thread.id, request.text))
        return Reply(text="コメントを記録しました") if request.thread.id == "1700000000.000001" else None

    router.thread(on_thread)
    kiun = start_kiun(core, slack_api, router)
    sender = kiun.sender()
    reply = {"type": "message", "channel_type": "channel", "channel": "C_IDEAS", "user": "U_STAFF"}
    sender.event(reply | {"text": "賛成です", "thread_ts": "1700000000.000001", "ts": "1700000000.000009"})
    sender.event(reply | {"text": "別の話", "thread_ts": "1700000000.000777", "ts": "1700000000.000010"})
    sender.event(reply | {"text": "スレッド外", "ts": "1700000000.000011"})
    sender.event(reply | {"text": "<@UBOT> 質問", "thread_ts": "1700000000.000001", "ts": "1700000000.000012"})
    kiun.stop()
    assert sorted(seen) == [  # the listener pool may run the two in either order
        ("thread", "C_IDEAS", "1700000000.000001", "賛成です"),
        ("thread", "C_IDEAS", "1700000000.000777", "別の話"),
    ]
    [post] = [call.params for call in slack_api.calls_to("chat.postMessage")]
    assert post["thread_ts"] == "1700000000.000001" and post["text"] == "コメントを記録しました"
