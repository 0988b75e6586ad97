"""Pulse polls through the real Bolt app with signed requests, the real WebClient against the Slack stand-in,
and the real outbox sender: open → DMs to every member → answers → change → reminder → close → results."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery.outbox import Sender
from bot.features.polls.jobs import poll_close, poll_remind
from bot.models import PollRun
from bot.platforms.slack.client import make_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.transport import SlackTransport
from tests.addresses import as_channel
from tests.conftest import ADMIN
from tests.integration.slack_harness import wait_until
from tests.polls_support import answer_rows, at, get_run, outbox_keys, results

MEMBERS = [f"U{n:04d}" for n in range(1, 206)]  # 205: two pages of conversations.members (200 a page)


@pytest.fixture
def polls(kiun, settings):
    kiun.core.directory = SlackDirectory(make_client(settings))
    return kiun


def start(kiun, sender, poll: str, members: list[str]) -> PollRun:
    kiun.slack_api.members = [*members, "UBOT1", "UGONE"]
    kiun.slack_api.users = {"UBOT1": {"id": "UBOT1", "is_bot": True}, "UGONE": {"id": "UGONE", "deleted": True}}
    reply = sender.command("/kiun", f"admin poll start {poll}", user_id=ADMIN).json()
    assert "を開始しました" in reply["text"], reply
    with kiun.core.sessions() as session:
        run_id = session.scalar(select(PollRun.id).order_by(PollRun.id.desc()))
    wait_until(lambda: get_run(kiun.core, run_id).state == "open", timeout=20)
    return get_run(kiun.core, run_id)


def deliver(kiun) -> int:
    transport = SlackTransport(make_client(kiun.core.settings))
    return Sender(kiun.core, transport, rate_per_second=10_000).drain()


def buttons(blocks: list[dict]) -> dict[str, tuple[str, str]]:
    """Button label → (action_id, value) in a message's blocks, prefixed by the question number."""
    found, question = {}, 0
    for block in blocks:
        if block["type"] == "section" and block["text"]["text"].startswith("*Q"):
            question += 1
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[f"Q{question} {element['text']['text']}"] = (element["action_id"], element["value"])
    return found


def dm_blocks(kiun, user: str) -> list[dict]:
    posts = [call for call in kiun.slack_api.calls_to("chat.postMessage") if call.params["channel"] == f"D{user}"]
    blocks = posts[-1].params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def press(kiun, sender, user: str, label: str, count: int = 1) -> str:
    """Press a button of ``user``'s poll DM; the ephemeral answer (via response_url)."""
    before = len(kiun.responses())
    action_id, value = buttons(dm_blocks(kiun, user))[label]
    for _ in range(count):
        assert sender.block_action(action_id, value, user_id=user, channel_id=f"D{user}").status == 200
    return kiun.wait_responses(before + count)[-1]["text"]


def comment(sender, run: PollRun, user: str, text: str):
    values = {"comment": {"comment": {"type": "plain_text_input", "value": text}}}
    return sender.view_submission("poll_text", values, user_id=user, private_metadata=f"{run.id}:comment")


def test_open_answer_change_remind_close_and_results(polls, sender) -> None:
    run = start(polls, sender, "dx-momentum", MEMBERS)
    assert run.recipients == len(MEMBERS)
    assert len(polls.slack_api.calls_to("conversations.members")) == 2
    keys = outbox_keys(polls.core, f"poll:{run.id}:")
    assert sorted(row.address.id for row in keys.values()) == MEMBERS  # no bot, no deactivated account
    assert {row.address.kind for row in keys.values()} == {"user"}
    assert deliver(polls) == len(MEMBERS)
    assert {call.params["channel"] for call in polls.slack_api.calls_to("chat.postMessage")} == {
        f"D{user}" for user in MEMBERS
    }
    labels = buttons(dm_blocks(polls, MEMBERS[0]))
    assert "Q1 4 ややそう思う" in labels and "Q4 10" in labels and "Q5 総務部" in labels
    assert all(action_id.startswith("poll_answer") for action_id, _ in labels.values())

    for user in MEMBERS[:6]:
        assert "回答を受け付けました（1/6問）" in press(polls, sender, user, "Q1 4 ややそう思う")
    assert "（1/6問）" in press(polls, sender, MEMBERS[0], "Q1 2 あまりそう思わない")  # changed, not added
    assert sorted(row.value_int for row in answer_rows(polls.core, run.id)) == [2, 4, 4, 4, 4, 4]

    poll_remind(polls.core, at(run.remind_on, 10, polls.core), {})
    reminded = outbox_keys(polls.core, f"poll-remind:{run.id}:")
    assert sorted(row.address.id for row in reminded.values()) == MEMBERS[6:]
    assert {row.address.kind for row in reminded.values()} == {"user"}
    poll_remind(polls.core, at(run.remind_on + timedelta(days=1), 10, polls.core), {})
    assert outbox_keys(polls.core, "poll-remind:").keys() == reminded.keys()

    poll_close(polls.core, at(run.closes_on, 17, polls.core), {})
    assert get_run(polls.core, run.id).state == "closed"
    posted = outbox_keys(polls.core, f"poll-results:{run.id}")[f"poll-results:{run.id}"]
    assert (
        posted.address == as_channel("C_POLLS", "slack") and posted.payload["image"]["data"]
    )  # the distribution chart (PNG)
    shown = results(polls.core, run.id).to_json()
    assert (shown["recipients"], shown["responses"], shown["hidden"]) == (len(MEMBERS), 6, False)
    assert shown["questions"][0]["mean"] == 3.67 and shown["questions"][0]["distribution"]["4"] == 5
    deliver(polls)
    upload = polls.slack_api.calls_to("files.completeUploadExternal")
    assert upload and polls.slack_api.calls_to("chat.postMessage")[-1].params["channel"] == "C_POLLS"

    late = press(polls, sender, MEMBERS[10], "Q1 5 そう思う")
    assert "締め切られたため、この回答は保存していません" in late
    assert len(answer_rows(polls.core, run.id)) == 6


def test_results_hidden_at_4_and_shown_at_5_comments_hidden_at_9_and_shown_at_10(polls, sender) -> None:
    people = MEMBERS[:12]
    run = start(polls, sender, "dx-momentum", people)
    deliver(polls)

    def admin_results() -> str:
        body = sender.command("/kiun", f"admin poll results {run.id}", user_id=ADMIN).json()
        return body["text"] + json.dumps(body["blocks"], ensure_ascii=False)

    for user in people[:4]:
        press(polls, sender, user, "Q1 5 そう思う")
    assert "回答が4件で、5件に届いていません" in admin_results() and "平均" not in admin_results()
    press(polls, sender, people[4], "Q1 3 どちらともいえない")
    assert "平均 4.6（5段階、5件）" in admin_results()

    for number, user in enumerate(people[:9], 1):
        assert comment(sender, run, user, f"コメント{number}番です").status == 200
    assert "ひとこと 9件（10件未満のため" in admin_results() and "コメント1番です" not in admin_results()
    comment(sender, run, people[9], "コメント10番です")
    assert "コメント10番です" in admin_results() and "コメント1番です" in admin_results()


def test_double_click_and_retried_interactions_store_one_answer(polls, sender) -> None:
    run = start(polls, sender, "quick-pulse", MEMBERS[:3])
    deliver(polls)
    action_id, value = buttons(dm_blocks(polls, MEMBERS[0]))["Q1 4 ややそう思う"]
    press(polls, sender, MEMBERS[0], "Q1 4 ややそう思う", count=2)
    threads = [
        threading.Thread(target=sender.block_action, args=(action_id, value), kwargs={"user_id": MEMBERS[0]})
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    polls.wait_responses(6)
    assert [row.value_int for row in answer_rows(polls.core, run.id)] == [4]


def test_a_6000_character_comment_is_rejected_in_place_and_nothing_is_stored(polls, sender) -> None:
    run = start(polls, sender, "dx-momentum", MEMBERS[:3])
    deliver(polls)
    response = comment(sender, run, MEMBERS[0], "あ" * 6000).json()
    assert response["response_action"] == "errors"
    assert "6000文字" in response["errors"]["comment"] and "2000文字以内" in response["errors"]["comment"]
    assert answer_rows(polls.core, run.id) == []
    action_id, value = buttons(dm_blocks(polls, MEMBERS[0]))["Q6 書く・直す"]  # opens the form, limited to 2,000
    sender.block_action(action_id, value, user_id=MEMBERS[0])
    view = polls.slack_api.wait_for("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "poll_text" and view["blocks"][-1]["element"]["max_length"] == 2000


def test_people_the_poll_was_not_sent_to_cannot_answer(polls, sender) -> None:
    run = start(polls, sender, "quick-pulse", MEMBERS[:3])
    deliver(polls)
    action_id, value = buttons(dm_blocks(polls, MEMBERS[0]))["Q1 4 ややそう思う"]
    sender.block_action(action_id, value, user_id="U_NEWCOMER")
    assert "配信対象ではない" in polls.wait_responses(1)[-1]["text"]
    assert answer_rows(polls.core, run.id) == []


def test_admin_commands_explain_problems_in_japanese(polls, sender) -> None:
    def say(text: str, user: str = ADMIN) -> str:
        return sender.command("/kiun", text, user_id=user).json()["text"]

    assert "DX推進係（管理者）のみ" in say("admin poll list", user="U_STAFF")
    assert "テンプレート「nope」は使えません" in say("admin poll start nope")
    assert "回の番号を数字で指定してください" in say("admin poll close abc")
    assert "#99 が見つかりません" in say("admin poll results 99")
    assert "使い方: " in say("admin poll frobnicate")
    polls.core.settings.kiun_secret_key = None
    assert "KIUN_SECRET_KEY" in say("admin poll start quick-pulse")
