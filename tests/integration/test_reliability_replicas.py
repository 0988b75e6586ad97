"""Two ``kiun serve --http`` replicas on one PostgreSQL database, both running the scheduler and an outbox sender:
a compressed schedule (every 2 seconds) runs each occurrence exactly once with no gap, the broadcasts it makes are
shared by the two senders with nobody served twice, and one Slack event sent to both is handled once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.app.core import Core
from bot.db.session import transaction
from bot.models import JobRun, OutboxMessage, Schedule
from bot.scheduling.scheduler import sync_schedules
from tests.conftest import SIGNING_SECRET
from tests.fakes.signing import SlackSender
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import serve_http
from tests.integration.slack_harness import wait_until

USERS = 30
PERIOD = 2  # seconds between occurrences
BROADCASTING = 8.0  # seconds of broadcasts once both replicas are up


def pending(core: Core) -> int:
    with core.sessions() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.state.in_(("pending", "sending"))))


@pytest.mark.slow
def test_two_replicas_run_each_occurrence_once_and_share_the_broadcasts(
    core: Core, slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    if core.engine.dialect.name != "postgresql":
        pytest.skip("several kiun processes need PostgreSQL: set KIUN_TEST_DATABASE_URL to run this test")
    sync_schedules(core)
    with transaction(core.sessions) as session:
        session.execute(update(Schedule).values(enabled=False))  # only the compressed schedule runs
        session.add(
            Schedule(
                name="tick",
                job="test-broadcast",
                cron=f"*/{PERIOD} * * * * *",
                business_days_only=False,
                params={"users": USERS},
            )
        )
    env = {
        "DATABASE_URL": core.settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_CATCHUP_GRACE_MINUTES": "0",
        "KIUN_SEND_RATE": "20",
        "KIUN_WORKERS": "2",
    }
    replicas = [
        serve_http(env, tmp_path / f"replica{n}.log", module="tests.integration.replica_serve") for n in range(2)
    ]
    try:
        for replica in replicas:
            replica.wait_status("/healthz", 200)
        both_up = datetime.now(UTC)
        event = {"type": "app_mention", "user": "U_STAFF", "channel": "C_GENERAL", "ts": "1700000000.000100"}
        event["text"] = "<@UBOT> こんにちは"
        for replica in replicas:  # Slack retries an event; a load balancer may send each try to another replica
            sender = SlackSender(f"{replica.url}/slack/events", SIGNING_SECRET, slack_api.base_url)
            assert sender.event(event, event_id="EvREPLICA1").status == 200
        time.sleep(BROADCASTING)  # the schedule runs on the wall clock
        with transaction(core.sessions) as session:  # stop enqueueing; the occurrences themselves go on
            session.execute(update(Schedule).where(Schedule.name == "tick").values(params={"users": 0}))
        wait_until(lambda: pending(core) == 0, timeout=30)
        stopping = datetime.now(UTC)
        assert [replica.stop() for replica in replicas] == [0, 0]
    finally:
        for replica in replicas:
            replica.kill()

    logs = [replica.log() for replica in replicas]
    assert all("Traceback" not in log for log in logs), logs
    records = [replica.records() for replica in replicas]
    assert not [r for rs in records for r in rs if r["level"] in ("ERROR", "CRITICAL")]

    # every occurrence while both were up ran exactly once
    with core.sessions() as session:
        runs = session.scalars(select(JobRun).where(JobRun.schedule == "tick")).all()
    assert max(Counter(run.occurrence for run in runs).values()) == 1
    assert {run.state for run in runs} == {"done"}
    seconds = int(both_up.timestamp()) // PERIOD * PERIOD + PERIOD  # the first firing both schedulers saw
    expected = []
    while seconds < stopping.timestamp() - 1:
        expected.append(datetime.fromtimestamp(seconds, UTC))
        seconds += PERIOD
    assert len(expected) >= 3
    assert set(expected) <= {run.occurrence for run in runs}
    by_worker = Counter(run.worker.rsplit(":", 1)[-1] for run in runs)
    assert set(by_worker) <= {str(replica.pid) for replica in replicas}
    for rs in records:  # each replica tried every occurrence (and stepped aside when the other had it)
        tried = {r["occurrence"] for r in rs if r.get("schedule") == "tick" and "won" in r}
        assert {when.astimezone(core.settings.tz).isoformat() for when in expected} <= tried

    # the broadcasts were shared by both senders, each recipient got each message once
    with core.sessions() as session:
        rows = session.execute(select(OutboxMessage.key, OutboxMessage.state, OutboxMessage.claimed_by)).all()
    assert rows and {state for _, state, _ in rows} == {"sent"}
    senders = Counter(claimed_by.split(":")[1] for _, _, claimed_by in rows)
    assert set(senders) == {str(replica.pid) for replica in replicas}, senders
    delivered = Counter(
        message["metadata"]["event_payload"]["key"]
        for channel, messages in slack_api.messages.items()
        if channel.startswith("DU")
        for message in messages
    )
    assert set(delivered) == {key for key, _, _ in rows if key.startswith("replica:")}
    assert set(delivered.values()) == {1}
    assert len(delivered) >= USERS * 3

    # the event sent to both replicas was answered once
    assert len(slack_api.messages.get("C_GENERAL", [])) == 1
