"""Downtime across a scheduled time: restarted within the catch-up grace, the occurrence runs once; restarted
after it, it does not run, and the miss is logged and shown by ``kiun jobs list``, ``/kiun admin jobs`` and
``/metrics``. The real Scheduler runs in this process; freezegun moves the clock while "kiun is down"."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.cli import main
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.features import build_router
from bot.models import JobRun, OutboxMessage, Schedule
from bot.scheduling import registry as jobs
from bot.scheduling.metrics import DatabaseCollector
from bot.scheduling.scheduler import Scheduler
from tests.addresses import as_channel, as_user

TZ = ZoneInfo("Asia/Tokyo")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def post_job(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``test-post`` enqueues one channel message per occurrence; the CLI points at the test database."""

    def post(core: Core, occurrence: datetime, params: dict) -> None:
        with transaction(core.sessions) as session:
            enqueue(
                session,
                f"test-post:{occurrence.isoformat()}",
                as_channel("C_TEST", "slack"),
                Reply(text="おはようございます"),
            )

    jobs.job("test-post", cron="0 9 * * *", business_days_only=False, description="test: one post")(post)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("KIUN_CATCHUP_GRACE_MINUTES", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    jobs.unregister("test-post")


def start_and_stop(core: Core, runs: int = 1) -> None:
    """Start the scheduler (as a restarted kiun does), wait until the ``post`` schedule has ``runs`` finished
    runs (catch-ups run in the scheduler's threads), stop it."""
    scheduler = Scheduler(core)
    scheduler.start()
    finished = select(JobRun.id).where(JobRun.schedule == "post", JobRun.state != "running")
    try:
        for _ in range(200):
            with core.sessions() as session:
                if len(session.scalars(finished).all()) >= runs:
                    break
            time.sleep(0.025)
    finally:
        scheduler.shutdown(wait=True)


def state(core: Core) -> tuple[list[tuple[datetime, str]], list[str]]:
    """The runs of the ``post`` schedule and the outbox keys (the CLI adds the built-in schedules too)."""
    query = select(JobRun).where(JobRun.schedule == "post").order_by(JobRun.occurrence)
    with core.sessions() as session:
        runs = [(run.occurrence, run.state) for run in session.scalars(query)]
        keys = list(session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))
    return runs, keys


def add_post_schedule(core: Core) -> None:
    with transaction(core.sessions) as session:
        session.add(Schedule(name="post", job="test-post", cron="0 9 * * *", business_days_only=False, params={}))


def test_down_across_a_post_and_back_within_the_grace_runs_it_once(core: Core) -> None:
    with freeze_time("2026-05-31T23:00:00Z") as clock:  # Monday 08:00 in Tokyo: schedule set, then kiun stops
        add_post_schedule(core)
        clock.move_to("2026-06-01T02:30:00Z")  # 11:30: back 2.5 hours after the 09:00 post (grace 6 hours)
        start_and_stop(core)
        clock.move_to("2026-06-01T03:00:00Z")  # 12:00: restarted again
        start_and_stop(core)
    assert state(core) == ([(local("2026-06-01T09:00"), "done")], ["test-post:2026-06-01T09:00:00+09:00"])


def test_down_past_the_grace_the_post_is_missed_logged_and_listed(core: Core, caplog, capsys) -> None:
    caplog.set_level(logging.INFO)
    with freeze_time("2026-05-31T23:00:00Z") as clock:  # Monday 08:00
        add_post_schedule(core)
        clock.move_to("2026-06-01T07:30:00Z")  # 16:30: back 7.5 hours after the 09:00 post (grace 6 hours)
        start_and_stop(core)
        start_and_stop(core)  # a second restart records nothing new
        assert state(core) == ([(local("2026-06-01T09:00"), "missed")], [])
        (warning,) = [r for r in caplog.records if getattr(r, "missed", False)]
        assert warning.levelno == logging.WARNING and warning.schedule == "post"
        assert "2026-06-01T09:00:00+09:00" in warning.getMessage() and "360 minutes" in warning.getMessage()

        request = Request(
            as_user("U_ADMIN"), kind="command", command="kiun", text="admin jobs", is_admin=True, lang="ja"
        )
        body = build_router().dispatch(core, request).sections[0].text
        assert "**post** `0 9 * * *` （毎日） — 次回: 2026-06-02 09:00 / 前回 2026-06-01 09:00: ⚠️ 未実行" in body
        scrape = Metrics(DatabaseCollector(core)).render()[0].decode()
        assert 'kiun_job_runs_total{schedule="post",state="missed"} 1.0' in scrape

        assert main(["jobs", "list"]) == 0
        lines = capsys.readouterr().out.splitlines()
        row = next(n for n, line in enumerate(lines) if line.startswith("post "))
        assert lines[row].endswith("next: 2026-06-02T09:00:00+09:00")
        assert lines[row + 1].split() == ["last:", "2026-06-01T09:00:00+09:00", "missed"]

        clock.move_to("2026-06-02T00:30:00Z")  # Tuesday 09:30: the next post is caught up as usual
        start_and_stop(core, runs=2)
    runs, keys = state(core)
    assert runs == [(local("2026-06-01T09:00"), "missed"), (local("2026-06-02T09:00"), "done")]
    assert keys == ["test-post:2026-06-02T09:00:00+09:00"]


def test_a_schedule_changed_while_down_counts_only_from_the_change(core: Core) -> None:
    with freeze_time("2026-05-31T23:00:00Z") as clock:
        add_post_schedule(core)
        clock.move_to("2026-06-03T01:00:00Z")  # Wednesday 10:00: an admin moves it to 18:00 while kiun is down
        with transaction(core.sessions) as session:
            session.scalar(select(Schedule).where(Schedule.name == "post")).cron = "0 18 * * *"
        clock.move_to("2026-06-04T08:00:00Z")  # Thursday 17:00: Wednesday 18:00 is missed, nothing before it
        start_and_stop(core)
    assert state(core) == ([(local("2026-06-03T18:00"), "missed")], [])
