"""The workers with the real Slack transport and WebClient against the local Slack stand-in, in-process and as
``kiun worker`` in its own process (stopped with SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.address import Address
from bot.chat.reply import Reply, Section
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.models import OutboxMessage
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport
from bot.scheduling.workers import Workers
from tests.addresses import as_channel, as_user
from tests.fakes.slack_api import FakeSlackAPI

ROOT = Path(__file__).resolve().parents[2]


def add(core: Core, key: str, to: Address, text: str) -> None:
    with transaction(core.sessions) as session:
        enqueue(session, key, to, Reply(text=text, sections=[Section(text=text)], ephemeral=False))


def outbox(core: Core) -> dict[str, OutboxMessage]:
    with core.sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxMessage))}


def slack_workers(core: Core) -> Workers:
    return Workers(core, SlackTransport(make_client(core.settings), lang=core.settings.kiun_locale))


def test_workers_deliver_to_channels_and_dms_then_stop(core: Core, slack_api: FakeSlackAPI) -> None:
    add(core, "lesson:1", as_channel("C_LESSONS", "slack"), "今週のレッスンです。")
    add(core, "reminder:1", as_user("U_STAFF", "slack"), "アンケートへのご協力をお願いします。")
    workers = slack_workers(core)
    workers.start()
    try:
        workers.notify()
        posts = slack_api.wait_for("chat.postMessage", 2, timeout=10)
    finally:
        assert workers.stop(timeout=10)
    assert [(call.params["channel"], call.params["text"]) for call in posts] == [
        ("C_LESSONS", "今週のレッスンです。"),
        ("DU_STAFF", "アンケートへのご協力をお願いします。"),
    ]
    assert slack_api.calls_to("conversations.open")[0].params["users"] == "U_STAFF"
    rows = outbox(core)
    assert {row.state for row in rows.values()} == {"sent"}
    assert rows["lesson:1"].message_ref and rows["lesson:1"].message_ref != rows["reminder:1"].message_ref
    assert "lesson:1" in str(posts[0].params["metadata"])


def test_slack_rejecting_a_channel_fails_the_message_once(core: Core, slack_api: FakeSlackAPI) -> None:
    slack_api.fail("chat.postMessage", status=200, error="channel_not_found")
    add(core, "lesson:1", as_channel("C_GONE", "slack"), "届かないメッセージ")
    add(core, "lesson:2", as_channel("C_LESSONS", "slack"), "届くメッセージ")
    workers = slack_workers(core)
    workers.start()
    try:
        workers.notify()
        slack_api.wait_for("chat.postMessage", 2, timeout=10)
    finally:
        assert workers.stop(timeout=10)
    rows = outbox(core)
    assert (rows["lesson:1"].state, rows["lesson:2"].state) == ("failed", "sent")
    assert "channel_not_found" in rows["lesson:1"].last_error
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_kiun_worker_sends_and_exits_cleanly_on_sigterm(
    core: Core, slack_api: FakeSlackAPI, database_url: str, tmp_path: Path
) -> None:
    add(core, "lesson:1", as_channel("C_LESSONS", "slack"), "今週のレッスンです。")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "KIUN_", "OPENAI_"))}
    env |= {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_CATCHUP_GRACE_MINUTES": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        posts = slack_api.wait_for("chat.postMessage", 1, timeout=30)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert posts[0].params["channel"] == "C_LESSONS"
    assert outbox(core)["lesson:1"].state == "sent"
    assert len(slack_api.calls_to("chat.postMessage")) == 1
