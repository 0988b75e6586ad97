"""The deferred-work queue on a real database: idempotent deferring, replies by DM through the outbox, retries with
backoff, a final failure the person hears about, a lease that runs out after a crash, replicas sharing the queue,
and the console running the work at once."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from bot.app.core import Core
from bot.chat.address import User
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.cli import TASK_MODULES
from bot.delivery.deferred import BACKOFF_BASE, LEASE, MAX_ATTEMPTS, Runner, defer, task, tasks
from bot.models import DeferredTask, OutboxMessage

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
ACK = Reply(text="受け付けました。")
USER = User(platform="slack", id="U_A")

runs: Counter[str] = Counter()
failures: Counter[str] = Counter()  # payload "id" → how many more times the test task fails
lock = threading.Lock()


@task("test-echo")
def echo(core: Core, payload: dict[str, Any]) -> Reply | None:
    with lock:
        runs[payload["id"]] += 1
        failing = failures[payload["id"]] > 0
        failures[payload["id"]] -= 1
    if failing:
        raise RuntimeError("the report service is down")
    return Reply(text=f"done {payload['id']}", ephemeral=True) if payload.get("reply", True) else None


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    runs.clear()
    failures.clear()
    yield


@pytest.fixture
def frozen() -> Iterator[None]:
    with freeze_time(T0):
        yield


def rows(core: Core) -> dict[str, DeferredTask]:
    with core.sessions() as session:
        return {row.key: row for row in session.scalars(select(DeferredTask))}


def outbox(core: Core) -> dict[str, OutboxMessage]:
    with core.sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxMessage))}


def test_the_builtin_tasks_are_registered() -> None:

    assert {module.__name__ for module in TASK_MODULES} >= {
        "bot.features.home.handlers",
        "bot.features.report.handlers",
    }
    assert {"report", "home-ask", "poll-broadcast"} <= set(tasks())


def test_deferring_acks_and_the_reply_comes_by_dm_once(core, frozen) -> None:
    assert defer(core, "test-echo", {"id": "a"}, key="echo:a", ack=ACK, reply_to=USER) == ACK
    assert defer(core, "test-echo", {"id": "a"}, key="echo:a", ack=ACK, reply_to=USER) == ACK  # same key: nothing new
    assert [(row.state, row.attempts) for row in rows(core).values()] == [("pending", 0)]
    assert outbox(core) == {}
    assert Runner(core).run_due() == 1
    assert Runner(core).run_due() == 0
    [row] = rows(core).values()
    assert (row.state, row.attempts, row.finished_at, row.last_error) == ("done", 1, T0, None)
    [message] = outbox(core).values()
    assert (message.key, message.address, message.payload["text"]) == ("echo:a", USER, "done a")
    assert message.payload["ephemeral"] is False  # a DM
    assert runs == {"a": 1}


def test_a_task_without_a_reply_sends_nothing(core, frozen) -> None:
    defer(core, "test-echo", {"id": "b", "reply": False}, key="echo:b", ack=ACK, reply_to=USER)
    assert Runner(core).run_due() == 1
    assert rows(core)["echo:b"].state == "done" and outbox(core) == {}


def test_a_failing_task_is_retried_with_backoff_then_succeeds(core) -> None:
    failures["c"] = 2
    with freeze_time(T0) as clock:
        defer(core, "test-echo", {"id": "c"}, key="echo:c", ack=ACK, reply_to=USER)
        runner = Runner(core, rng=random.Random(1))
        assert runner.run_due() == 1
        row = rows(core)["echo:c"]
        assert row.state == "pending" and row.attempts == 1 and "the report service is down" in row.last_error
        first_delay = row.next_attempt_at - T0
        assert timedelta(seconds=BACKOFF_BASE / 2) <= first_delay <= timedelta(seconds=BACKOFF_BASE)
        assert runner.run_due() == 0  # not due yet
        clock.move_to(row.next_attempt_at)
        assert runner.run_due() == 1
        row = rows(core)["echo:c"]
        second_delay = row.next_attempt_at - row.claimed_at
        assert timedelta(seconds=BACKOFF_BASE) <= second_delay <= timedelta(seconds=2 * BACKOFF_BASE)
        clock.move_to(row.next_attempt_at)
        assert runner.run_due() == 1
    row = rows(core)["echo:c"]
    assert (row.state, row.attempts, row.last_error) == ("done", 3, None)
    assert outbox(core)["echo:c"].payload["text"] == "done c"


def test_after_the_last_attempt_the_task_fails_and_the_person_is_told(core) -> None:
    failures["d"] = MAX_ATTEMPTS
    with freeze_time(T0) as clock:
        defer(core, "test-echo", {"id": "d", "lang": "en"}, key="echo:d", ack=ACK, reply_to=USER)
        runner = Runner(core)
        for _ in range(MAX_ATTEMPTS):
            clock.move_to(rows(core)["echo:d"].next_attempt_at)
            assert runner.run_due() == 1
        clock.tick(timedelta(days=1))
        assert runner.run_due() == 0
    row = rows(core)["echo:d"]
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS) and "RuntimeError" in row.last_error
    assert runs == {"d": MAX_ATTEMPTS}
    assert outbox(core)["echo:d"].payload["text"] == t("error.generic", "en")


def test_a_task_left_running_by_a_crash_is_resumed_after_the_lease(core) -> None:
    with freeze_time(T0) as clock:
        defer(core, "test-echo", {"id": "e"}, key="echo:e", ack=ACK, reply_to=USER)
        crashed = Runner(core)
        assert crashed._claim() is not None  # claimed, then the process died before running it
        survivor = Runner(core)
        clock.tick(LEASE - timedelta(seconds=1))
        assert survivor.run_due() == 0  # still leased to the crashed runner
        clock.tick(timedelta(seconds=2))
        assert survivor.run_due() == 1
    row = rows(core)["echo:e"]
    assert (row.state, row.attempts, row.claimed_by) == ("done", 2, survivor.id)
    assert outbox(core)["echo:e"].payload["text"] == "done e"


def test_a_runner_that_lost_its_lease_records_nothing(core) -> None:
    """The slow runner finishes after its lease ran out and another runner took the task over: only the owner's
    outcome counts, and the reply is queued once."""
    with freeze_time(T0) as clock:
        defer(core, "test-echo", {"id": "f"}, key="echo:f", ack=ACK, reply_to=USER)
        slow, fast = Runner(core), Runner(core)
        row = slow._claim()
        clock.tick(LEASE + timedelta(seconds=1))
        assert fast.run_due() == 1
        assert slow._execute(row) is not None  # finished late: recorded nowhere
    assert rows(core)["echo:f"].claimed_by == fast.id
    assert list(outbox(core)) == ["echo:f"]


def test_a_task_that_keeps_killing_its_worker_is_given_up(core) -> None:
    with freeze_time(T0) as clock:
        defer(core, "test-echo", {"id": "g"}, key="echo:g", ack=ACK, reply_to=USER)
        for _ in range(MAX_ATTEMPTS):
            assert Runner(core)._claim() is not None
            clock.tick(LEASE + timedelta(seconds=1))
        assert Runner(core).run_due() == 1
    row = rows(core)["echo:g"]
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS + 1) and runs == {}
    assert outbox(core)["echo:g"].payload["text"] == t("error.generic")


def test_replicas_share_the_queue_and_run_each_task_once(core) -> None:
    count = 40
    for number in range(count):
        defer(
            core,
            "test-echo",
            {"id": str(number)},
            key=f"echo:{number}",
            ack=ACK,
            reply_to=User(platform="slack", id=f"U{number}"),
        )
    runners = [Runner(core) for _ in range(3)]
    done: list[int] = []
    threads = [threading.Thread(target=lambda runner=runner: done.append(runner.run_due())) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(done) == count and runs == Counter({str(number): 1 for number in range(count)})
    assert {row.state for row in rows(core).values()} == {"done"} and len(outbox(core)) == count


def test_the_runner_stops_between_tasks(core) -> None:
    for name in "hij":
        defer(core, "test-echo", {"id": name}, key=f"echo:{name}", ack=ACK)
    stop = threading.Event()
    stop.set()
    runner = Runner(core)
    runner.run(stop)  # stopped before it began: nothing is started
    assert runs == {}
    stopping = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stopping,))
    thread.start()
    with core.sessions() as session:  # the workers' loop runs every due task
        while session.scalar(select(DeferredTask.id).where(DeferredTask.state != "done").limit(1)) is not None:
            session.expire_all()
            stopping.wait(0.02)
    stopping.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and runs == {"h": 1, "i": 1, "j": 1}


def test_the_console_runs_deferred_work_at_once(core, frozen) -> None:
    core.deferred_at_once = True
    reply = defer(core, "test-echo", {"id": "k"}, key="echo:k", ack=ACK, reply_to=USER)
    assert reply.text == "done k" and outbox(core) == {}  # answered in place, not by DM
    assert defer(core, "test-echo", {"id": "l", "reply": False}, key="echo:l", ack=ACK, reply_to=USER) == ACK
    failures["m"] = 1
    assert defer(core, "test-echo", {"id": "m"}, key="echo:m", ack=ACK).text == t("error.generic")
    assert {key: row.state for key, row in rows(core).items()} == {
        "echo:k": "done",
        "echo:l": "done",
        "echo:m": "failed",
    }


def test_an_unknown_task_fails_politely(core) -> None:
    defer(core, "no-such-task", {}, key="nothing:1", ack=ACK, reply_to=USER)
    with core.sessions() as session, session.begin():
        session.execute(update(DeferredTask).values(attempts=MAX_ATTEMPTS - 1))
    assert Runner(core).run_due() == 1
    row = rows(core)["nothing:1"]
    assert row.state == "failed" and "KeyError" in row.last_error
    assert outbox(core)["nothing:1"].payload["text"] == t("error.generic")
