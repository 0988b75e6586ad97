"""Kill ``kiun worker`` with SIGKILL at random points of a pulse-poll broadcast, restart it, and count what every
member received. Shared by the CI test (3 kills) and ``benchmarks/crash_broadcast.py`` (20 kills, both modes).

The poll is opened in this process (``open_run``: members listed through the Slack stand-in, one outbox row per
member); real ``kiun worker`` processes deliver it to the stand-in, which keeps each message with its metadata.
A SIGKILL leaves at most one row ``sending`` per sender; the lease after which a restarted sender settles it is
five minutes, so the row's claim is moved back by the lease instead of waiting (the same as waiting).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot.app.core import Core
from bot.db.session import transaction
from bot.delivery.outbox import LEASE
from bot.features.polls.runs import open_run
from bot.features.polls.templates import get_template
from bot.models import OutboxMessage, Schedule
from bot.platforms.slack.client import make_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.transport import PLATFORM
from bot.scheduling.scheduler import sync_schedules
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import KiunProcess, start_kiun


@dataclass
class CrashResult:
    members: int
    kills: int
    in_flight: list[int] = field(default_factory=list)  # rows left ``sending`` by each kill
    copies: Counter = field(default_factory=Counter)  # member -> copies of the poll received
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def delivered(self) -> int:
        return sum(1 for count in self.copies.values() if count >= 1)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.copies.values() if count > 1)

    @property
    def lost(self) -> int:
        return self.members - self.delivered


def calls(fake: FakeSlackAPI) -> int:
    """Web API calls so far (cheap to poll: two a message, ``conversations.open`` and ``chat.postMessage``)."""
    return len(fake.calls)


def outbox_states(core: Core) -> dict[str, int]:
    with core.sessions() as session:
        return dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


def open_poll(core: Core, fake: FakeSlackAPI, members: int) -> tuple[int, list[str]]:
    """Only the poll's outbox rows will be sent: every schedule is disabled first. Returns (run id, members)."""
    users = [f"U{n:05d}" for n in range(1, members + 1)]
    fake.members = users
    sync_schedules(core)
    with transaction(core.sessions) as session:
        session.execute(update(Schedule).values(enabled=False))
    core.directory, core.platform = SlackDirectory(make_client(core.settings)), PLATFORM  # as kiun serve wires it
    run = open_run(core, get_template("dx-momentum"), core.local_now().date())
    return run.id, users


def crash_broadcast(
    core: Core, fake: FakeSlackAPI, log_dir: Path, *, members: int = 500, kills: int = 3, seed: int = 0
) -> CrashResult:
    """Open a poll to ``members`` members and deliver it with ``kills`` SIGKILLs at random points."""
    started = time.perf_counter()
    run_id, users = open_poll(core, fake, members)
    before = calls(fake)
    points = sorted(random.Random(seed).sample(range(1, 2 * members), kills))
    env = {
        "DATABASE_URL": core.settings.database_url,
        "SLACK_BOT_TOKEN": core.settings.slack_bot_token or "xoxb-test",
        "SLACK_API_URL": fake.api_url,
        "KIUN_SEND_RATE": "500",
        "KIUN_CATCHUP_GRACE_MINUTES": "0",
        "KIUN_LOG_LEVEL": "WARNING",
    }
    result = CrashResult(members, kills)
    for n, point in enumerate([*points, None]):
        worker = start_kiun(["worker"], env, log_dir / f"worker{n}.log")
        if point is None:
            _wait(worker, lambda: not {"pending", "sending"} & set(outbox_states(core)))
            assert worker.stop() == 0, worker.log()[-3000:]
            break
        _wait(worker, lambda point=point: calls(fake) - before >= point)
        worker.kill()
        with transaction(core.sessions) as session:  # the lease passes (see the module doc)
            stuck = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "sending")).all()
            for row in stuck:
                row.claimed_at -= LEASE + timedelta(seconds=1)
            result.in_flight.append(len(stuck))
    for user in users:
        result.copies[user] = sum(
            1
            for message in fake.messages.get(f"D{user}", [])
            if (message.get("metadata") or {}).get("event_payload", {}).get("key") == f"poll:{run_id}:{user}"
        )
    result.states = outbox_states(core)
    result.seconds = time.perf_counter() - started
    return result


def _wait(worker: KiunProcess, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.process.poll() is not None:
            raise AssertionError(f"kiun worker exited with {worker.process.returncode}:\n{worker.log()[-3000:]}")
        if time.monotonic() > deadline:
            worker.kill()
            raise AssertionError(f"kiun worker made no progress in {timeout} s:\n{worker.log()[-3000:]}")
        time.sleep(0.005)
