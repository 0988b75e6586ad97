"""Schedules and runs on the real database: sync, one run per occurrence, failures, catch-up, rebuild, and the
foundation jobs (housekeeping, weekly-plan)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, select, update

from bot.app.core import Core
from bot.chat.reply import Reply
from bot.db.session import transaction
from bot.models import CalendarOverride, JobRun, OutboxMessage, PlatformEvent, Schedule
from bot.scheduling import registry as jobs
from bot.scheduling.scheduler import Scheduler, describe_schedules, due_catch_ups, run_occurrence, sync_schedules
from tests.addresses import as_channel, as_user

TZ = ZoneInfo("Asia/Tokyo")
CALLS: list[tuple[str, datetime, dict]] = []


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def test_jobs() -> Iterator[None]:
    """Two test jobs: ``test-record`` notes each call, ``test-fail`` raises."""

    def record(core: Core, occurrence: datetime, params: dict) -> None:
        CALLS.append(("test-record", occurrence, params))

    def fail(core: Core, occurrence: datetime, params: dict) -> None:
        CALLS.append(("test-fail", occurrence, params))
        raise RuntimeError("the printer is on fire")

    CALLS.clear()
    jobs.job("test-record", cron="*/10 * * * *", business_days_only=False, description="test")(record)
    jobs.job("test-fail", cron="*/10 * * * *", business_days_only=False, description="test")(fail)
    yield
    jobs.unregister("test-record")
    jobs.unregister("test-fail")


def sync_builtin(core: Core) -> None:
    """Create the built-in schedules only (the test jobs are registered too)."""
    sync_schedules(core)
    with transaction(core.sessions) as session:
        session.execute(delete(Schedule).where(Schedule.name.like("test-%")))


def add_schedule(core: Core, name: str, job: str, cron: str, business_days_only: bool = False, **params) -> None:
    with transaction(core.sessions) as session:
        session.add(Schedule(name=name, job=job, cron=cron, business_days_only=business_days_only, params=params))


def runs(core: Core, schedule: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.occurrence)
    if schedule:
        query = query.where(JobRun.schedule == schedule)
    with core.sessions() as session:
        return list(session.scalars(query))


def wait_until(condition: Callable[[], bool], tries: int = 200) -> None:
    """Wait (for another thread, not for the clock: freezegun stops the clock) until ``condition`` holds."""
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.025)
    raise AssertionError("condition not reached within 5 s")


def test_sync_creates_defaults_and_keeps_admin_edits(core: Core) -> None:
    sync_schedules(core)
    with transaction(core.sessions) as session:
        rows = {row.name: row for row in session.scalars(select(Schedule))}
        assert (rows["weekly-plan"].cron, rows["weekly-plan"].business_days_only) == ("30 8 * * 1", True)
        assert (rows["housekeeping"].cron, rows["housekeeping"].business_days_only) == ("0 3 * * *", False)
        assert {"test-record", "test-fail"} <= set(rows)
        rows["weekly-plan"].cron, rows["weekly-plan"].enabled = "0 9 * * 2", False
        session.delete(rows["housekeeping"])
    sync_schedules(core)
    info = {row.name: row for row in describe_schedules(core)}
    assert (info["weekly-plan"].cron, info["weekly-plan"].enabled, info["weekly-plan"].next_run) == (
        "0 9 * * 2",
        False,
        None,
    )
    assert info["housekeeping"].cron == "0 3 * * *"
    assert info["housekeeping"].next_run.tzinfo is not None


def test_invalid_cron_is_shown_not_raised(core: Core) -> None:
    add_schedule(core, "broken", "test-record", "0 25 * * *")
    (row,) = describe_schedules(core)
    assert row.next_run is None
    assert "cron" in row.error


@freeze_time("2026-06-01T03:10:00Z")  # Monday 12:10 in Tokyo: the runs happen when they are due
def test_one_run_per_occurrence(core: Core) -> None:
    add_schedule(core, "record", "test-record", "*/10 * * * *", channel="C1")
    occurrence = local("2026-06-01T12:00")
    assert run_occurrence(core, "record", occurrence) == "done"
    assert run_occurrence(core, "record", occurrence) == "skipped"
    assert run_occurrence(core, "record", occurrence.astimezone(UTC)) == "skipped"  # same instant, other zone
    assert [("test-record", occurrence, {"channel": "C1"})] == CALLS
    assert CALLS[0][1].utcoffset() == timedelta(hours=9)
    assert run_occurrence(core, "record", local("2026-06-01T12:10")) == "done"
    assert [(run.occurrence, run.state) for run in runs(core)] == [
        (occurrence, "done"),
        (local("2026-06-01T12:10"), "done"),
    ]
    assert all(run.worker == core.worker_id and run.finished_at for run in runs(core))


@freeze_time("2026-06-01T03:10:00Z")
def test_failing_job_is_recorded_and_the_next_still_runs(core: Core) -> None:
    add_schedule(core, "fail", "test-fail", "*/10 * * * *")
    add_schedule(core, "record", "test-record", "*/10 * * * *")
    add_schedule(core, "orphan", "no-such-job", "*/10 * * * *")
    assert run_occurrence(core, "fail", local("2026-06-01T12:00")) == "failed"
    assert run_occurrence(core, "fail", local("2026-06-01T12:10")) == "failed"
    assert run_occurrence(core, "record", local("2026-06-01T12:10")) == "done"
    assert run_occurrence(core, "orphan", local("2026-06-01T12:10")) == "failed"
    failed = runs(core, "fail")
    assert [run.state for run in failed] == ["failed", "failed"]
    assert failed[0].error == "RuntimeError: the printer is on fire"
    assert failed[0].finished_at is not None
    assert "no-such-job" in runs(core, "orphan")[0].error


@freeze_time("2026-06-01T03:05:00Z")  # Monday 12:05 in Tokyo
def test_catch_up_runs_the_latest_missed_occurrence_once(core: Core) -> None:
    add_schedule(core, "record", "test-record", "*/10 * * * *")  # 12:00 missed (and 11:50, 11:40, …)
    add_schedule(core, "fail", "test-fail", "*/10 * * * *")
    add_schedule(core, "nightly", "test-record", "0 3 * * *")  # 03:00 is outside the 6-hour grace
    add_schedule(core, "paused", "test-record", "*/10 * * * *")
    with transaction(core.sessions) as session:
        session.execute(update(Schedule).where(Schedule.name == "paused").values(enabled=False))
    assert due_catch_ups(core) == [("fail", local("2026-06-01T12:00")), ("record", local("2026-06-01T12:00"))]

    scheduler = Scheduler(core)
    scheduler.start()
    try:
        wait_until(lambda: {run.state for run in runs(core)} == {"done", "failed"})
    finally:
        scheduler.shutdown(wait=True)
    assert sorted((run.schedule, run.occurrence, run.state) for run in runs(core)) == [
        ("fail", local("2026-06-01T12:00"), "failed"),
        ("record", local("2026-06-01T12:00"), "done"),
    ]

    again = Scheduler(core)  # a restart: nothing is missed any more
    assert due_catch_ups(core) == []
    again.start()
    again.shutdown(wait=True)
    assert len(runs(core)) == 2
    assert len(CALLS) == 2


def test_no_catch_up_when_grace_is_zero(core: Core) -> None:
    add_schedule(core, "record", "test-record", "*/10 * * * *")
    core.settings.kiun_catchup_grace_minutes = 0
    assert due_catch_ups(core, local("2026-06-01T12:05")) == []


@freeze_time("2026-05-28T03:00:00Z")  # Thursday 12:00 in Tokyo
def test_rebuild_on_schedules_changed(core: Core) -> None:
    sync_builtin(core)
    add_schedule(core, "fail", "test-fail", "*/10 * * * *")
    scheduler = Scheduler(core)
    scheduler.start()
    try:
        planned = scheduler.planned()
        assert planned["weekly-plan"] == local("2026-06-01T08:30")
        assert planned["housekeeping"] == local("2026-05-29T03:00")
        with transaction(core.sessions) as session:
            session.add(CalendarOverride(day=date(2026, 6, 1), is_open=False))
            session.execute(update(Schedule).where(Schedule.name == "housekeeping").values(cron="15 4 * * *"))
            session.execute(update(Schedule).where(Schedule.name == "fail").values(enabled=False))
        assert scheduler.planned()["weekly-plan"] == local("2026-06-01T08:30")  # not yet told
        core.schedules_changed()
        planned = scheduler.planned()
        assert planned["weekly-plan"] == local("2026-06-02T08:30")
        assert planned["housekeeping"] == local("2026-05-29T04:15")
        assert "fail" not in planned
    finally:
        scheduler.shutdown()
    assert core.on_schedules_changed == []


@freeze_time("2026-05-31T18:00:00Z")  # 03:00 in Tokyo, when housekeeping runs
def test_housekeeping_deletes_only_old_rows(core: Core) -> None:
    sync_builtin(core)
    now = local("2026-06-01T03:00")
    with transaction(core.sessions) as session:
        session.add_all(
            [
                PlatformEvent(event_id="Ev_old", received_at=now - timedelta(days=7, seconds=1)),
                PlatformEvent(event_id="Ev_new", received_at=now - timedelta(days=6)),
                OutboxMessage(
                    key="sent-old", address=as_channel("C"), payload={}, state="sent", sent_at=now - timedelta(days=91)
                ),
                OutboxMessage(
                    key="sent-new", address=as_channel("C"), payload={}, state="sent", sent_at=now - timedelta(days=89)
                ),
                OutboxMessage(key="failed-old", address=as_channel("C"), payload={}, state="failed"),
                JobRun(schedule="x", occurrence=now - timedelta(days=181), started_at=now - timedelta(days=181)),
                JobRun(schedule="x", occurrence=now - timedelta(days=179), started_at=now - timedelta(days=179)),
            ]
        )
    with transaction(core.sessions) as session:
        session.execute(update(OutboxMessage).values(created_at=now - timedelta(days=365)))
    assert run_occurrence(core, "housekeeping", now) == "done"
    with core.sessions() as session:
        assert session.scalars(select(PlatformEvent.event_id)).all() == ["Ev_new"]
        assert sorted(session.scalars(select(OutboxMessage.key))) == ["failed-old", "sent-new"]
    assert [run.occurrence for run in runs(core)] == [now - timedelta(days=179), now]


@freeze_time("2026-05-31T23:30:00Z")  # Monday 08:30 in Tokyo
def test_weekly_plan_dms_each_admin_once_per_occurrence(core: Core) -> None:
    core.settings.kiun_admins = ["U_ADMIN", "U_OTHER"]
    sync_builtin(core)
    add_schedule(core, "record", "test-record", "0 9 * * *", business_days_only=True)
    with transaction(core.sessions) as session:
        session.add(CalendarOverride(day=date(2026, 6, 3), is_open=False))
        session.add_all(
            OutboxMessage(key=f"f{i}", address=as_channel("C"), payload={}, state="failed", attempts=8)
            for i in range(2)
        )
    occurrence = local("2026-06-01T08:30")
    assert run_occurrence(core, "weekly-plan", occurrence) == "done"
    jobs.registry()["weekly-plan"].func(core, occurrence, {})  # a re-run of the same occurrence
    with core.sessions() as session:
        sent = session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("weekly-plan:%")).order_by(OutboxMessage.key)
        ).all()
    assert [(row.key, row.address, row.state) for row in sent] == [
        ("weekly-plan:20260531T233000:U_ADMIN", as_user("U_ADMIN"), "pending"),
        ("weekly-plan:20260531T233000:U_OTHER", as_user("U_OTHER"), "pending"),
    ]
    reply = Reply.model_validate(sent[0].payload)
    assert not reply.ephemeral
    assert reply.text == "今週の定期配信の予定（6/1〜6/7）"
    body = reply.sections[0].text.splitlines()
    ours = [line for line in body[1:] if line.split()[-1] in ("weekly-plan", "record", "housekeeping")]  # not features'
    assert ours == [
        "• 6/1（月） 08:30 weekly-plan",
        "• 6/1（月） 09:00 record",
        "• 6/2（火） 03:00 housekeeping",
        "• 6/2（火） 09:00 record",
        "• 6/3（水） 03:00 housekeeping",  # 6/3 closed by an admin: no "record" that day
        "• 6/4（木） 03:00 housekeeping",
        "• 6/4（木） 09:00 record",
        "• 6/5（金） 03:00 housekeeping",
        "• 6/5（金） 09:00 record",
        "• 6/6（土） 03:00 housekeeping",
        "• 6/7（日） 03:00 housekeeping",
    ]
    assert reply.sections[1].text.startswith("配信に失敗したメッセージが 2件 あります。")


@freeze_time("2026-05-31T23:30:00Z")
def test_weekly_plan_in_english_and_without_failures(core: Core) -> None:
    from bot.features.admin.weekly_plan import plan_reply

    add_schedule(core, "busy", "test-record", "*/5 * * * *")
    reply = plan_reply(core, local("2026-06-01T08:30"), "en")
    assert reply.text == "Scheduled posts this week (6/1–6/7)"
    lines = reply.sections[0].text.splitlines()
    assert len(lines) == 1 + 8 + 1
    assert lines[-1] == "• busy has more runs this week (see `kiun jobs list`)."
    assert reply.sections[1].text == "No messages failed to send."


@freeze_time("2026-12-28T01:00:00Z")  # Monday 10:00 in Tokyo
def test_admin_jobs_lists_next_runs(core: Core) -> None:
    from bot.chat.request import Request
    from bot.features import build_router

    sync_builtin(core)
    request = Request(as_user("U_ADMIN"), kind="command", command="kiun", text="admin jobs", is_admin=True, lang="ja")
    body = build_router().dispatch(core, request).sections[0].text
    assert "**weekly-plan** `30 8 * * 1` （開庁日のみ） — 次回: 2027-01-04 08:30" in body
    assert "**housekeeping** `0 3 * * *` （毎日） — 次回: 2026-12-29 03:00" in body
