"""``kiun jobs list|run|next`` through the real CLI on the test database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from bot.app.core import Core
from bot.cli import main
from bot.db.session import transaction
from bot.models import CalendarOverride, JobRun, Schedule
from bot.scheduling.scheduler import sync_schedules


@pytest.fixture(autouse=True)
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI at the test database; restore logging, which the CLI configures for the process."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KIUN_YEAR_END_CLOSED", "12-29..01-03")
    monkeypatch.delenv("KIUN_CATCHUP_GRACE_MINUTES", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def kiun(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def set_cron(core: Core, name: str, cron: str, **values: object) -> None:
    sync_schedules(core)
    with transaction(core.sessions) as session:
        session.execute(update(Schedule).where(Schedule.name == name).values(cron=cron, **values))


def close_day(core: Core, day: date, is_open: bool = False) -> None:
    with transaction(core.sessions) as session:
        session.add(CalendarOverride(day=day, is_open=is_open, note="test"))


def test_next_weekly_plan_after_last_work_day_of_the_year(core: Core, capsys) -> None:
    assert kiun(capsys, "jobs", "next", "weekly-plan", "--after", "2026-12-28T09:00")[:2] == (
        0,
        "2027-01-04T08:30:00+09:00",
    )


@pytest.mark.parametrize(
    ("cron", "after", "expected"),
    [
        ("30 8 * * *", "2026-12-28T09:00", "2027-01-04T08:30:00+09:00"),  # 12/29–1/3 skipped
        ("30 8 * * *", "2026-05-05T10:00", "2026-05-07T08:30:00+09:00"),  # 振替休日 5/6
        ("30 8 * * *", "2026-09-18T10:00", "2026-09-24T08:30:00+09:00"),  # 敬老の日, 国民の休日, 秋分の日
        ("30 8 * * 2", "2026-12-27T09:00", "2027-01-04T08:30:00+09:00"),  # Tuesday moves to Monday 1/4
        ("30 8 * * *", "2026-12-28T08:29:59+09:00", "2026-12-28T08:30:00+09:00"),
        ("30 8 * * *", "2026-12-27T23:30:00+00:00", "2027-01-04T08:30:00+09:00"),  # 12/28 08:30 JST
    ],
)
def test_next_skips_holidays_and_year_end(core: Core, capsys, cron: str, after: str, expected: str) -> None:
    set_cron(core, "weekly-plan", cron)
    assert kiun(capsys, "jobs", "next", "weekly-plan", "--after", after)[:2] == (0, expected)


def test_next_honours_admin_closed_and_open_days(core: Core, capsys) -> None:
    set_cron(core, "weekly-plan", "30 8 * * *")
    close_day(core, date(2026, 6, 1))
    close_day(core, date(2026, 5, 4), is_open=True)  # みどりの日, opened by an admin
    assert kiun(capsys, "jobs", "next", "weekly-plan", "--after", "2026-05-29T09:00")[1] == "2026-06-02T08:30:00+09:00"
    assert kiun(capsys, "jobs", "next", "weekly-plan", "--after", "2026-05-01T09:00")[1] == "2026-05-04T08:30:00+09:00"


def test_next_of_an_every_day_schedule_keeps_holidays(core: Core, capsys) -> None:
    assert kiun(capsys, "jobs", "next", "housekeeping", "--after", "2026-12-31T04:00")[1] == "2027-01-01T03:00:00+09:00"


def test_year_end_closure_comes_from_the_environment(core: Core, capsys, monkeypatch) -> None:
    set_cron(core, "weekly-plan", "30 8 * * *")
    monkeypatch.setenv("KIUN_YEAR_END_CLOSED", "none")
    assert kiun(capsys, "jobs", "next", "weekly-plan", "--after", "2026-12-28T09:00")[1] == "2026-12-29T08:30:00+09:00"


def test_unknown_schedule_exits_2_naming_the_known_ones(core: Core, capsys) -> None:
    code, out, err = kiun(capsys, "jobs", "next", "weekly_plan")
    assert code == 2
    assert out == ""
    message = err.splitlines()[-1]
    assert message.startswith("kiun: unknown schedule 'weekly_plan'; known schedules: ")
    assert {"housekeeping", "weekly-plan"} <= set(message.rsplit(": ", 1)[1].split(", "))
    assert "Traceback" not in err


def test_disabled_schedule_has_no_next_run(core: Core, capsys) -> None:
    set_cron(core, "weekly-plan", "30 8 * * 1", enabled=False)
    code, out, err = kiun(capsys, "jobs", "next", "weekly-plan")
    assert (code, out) == (1, "")
    assert "disabled" in err


@freeze_time("2026-12-28T01:00:00Z")  # Monday 10:00 in Tokyo
def test_list_shows_each_schedule_and_its_next_run(core: Core, capsys) -> None:
    code, out, _ = kiun(capsys, "jobs", "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}  # features add their own schedules
    assert lines["housekeeping"].split("next: ") == [
        "housekeeping     0 3 * * *            every day      ",
        "2026-12-29T03:00:00+09:00",
    ]
    assert lines["weekly-plan"].split()[-1] == "2027-01-04T08:30:00+09:00"
    assert "business days" in lines["weekly-plan"]


def test_run_now_runs_once_and_records_it(core: Core, capsys) -> None:
    code, out, _ = kiun(capsys, "jobs", "run", "housekeeping")
    assert (code, out.split(": ")[:2]) == (0, ["kiun", "housekeeping"])  # then what it did (test_job_outcomes)
    assert kiun(capsys, "jobs", "run", "housekeeping")[0] == 0
    with core.sessions() as session:
        runs = session.scalars(select(JobRun).where(JobRun.schedule == "housekeeping")).all()
    assert [run.state for run in runs] == ["done", "done"]
    assert runs[0].occurrence != runs[1].occurrence
    assert kiun(capsys, "jobs", "run", "nothing")[0] == 2
