"""Business days and the schedule trigger: holidays, 振替休日, 国民の休日, 年末年始, admin overrides, crontab."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.core import Core
from bot.db.session import transaction
from bot.models import CalendarOverride
from bot.scheduling.calendar import BusinessCalendar
from bot.scheduling.triggers import ScheduleTrigger, parse_cron

TZ = ZoneInfo("Asia/Tokyo")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def trigger(cron: str, calendar: BusinessCalendar | None = None) -> ScheduleTrigger:
    return ScheduleTrigger(parse_cron(cron, TZ), calendar)


def fires(cron: str, start: str, count: int, calendar: BusinessCalendar | None = None) -> list[str]:
    return [when.isoformat() for when in islice(trigger(cron, calendar).occurrences(local(start)), count)]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 5, 6), "holiday:振替休日"),
        (date(2026, 9, 22), "holiday:国民の休日"),
        (date(2026, 12, 29), "year_end"),
        (date(2027, 1, 1), "year_end"),
        (date(2027, 1, 3), "weekend"),
        (date(2026, 6, 6), "weekend"),
        (date(2026, 5, 7), None),
        (date(2026, 12, 28), None),
        (date(2027, 1, 4), None),
    ],
)
def test_closed_days(day: date, reason: str | None) -> None:
    assert BusinessCalendar().closed_reason(day) == reason


def test_admin_overrides_come_from_the_database(core: Core) -> None:
    with transaction(core.sessions) as session:
        session.add(CalendarOverride(day=date(2026, 6, 1), is_open=False, note="庁舎点検"))
        session.add(CalendarOverride(day=date(2026, 5, 4), is_open=True, note="選挙"))
    calendar = BusinessCalendar.current(core)
    assert calendar.closed_reason(date(2026, 6, 1)) == "admin"
    assert calendar.is_business_day(date(2026, 5, 4))
    assert not calendar.is_business_day(date(2026, 5, 5))


def test_year_end_is_configurable() -> None:
    assert BusinessCalendar(year_end=None).is_business_day(date(2026, 12, 29))
    assert not BusinessCalendar(year_end=((12, 28), (1, 5))).is_business_day(date(2027, 1, 5))


def test_closed_day_moves_to_next_business_day_same_time() -> None:
    calendar = BusinessCalendar()
    assert fires("30 8 * * *", "2026-05-05T10:00", 1, calendar) == ["2026-05-07T08:30:00+09:00"]  # 振替休日 5/6
    assert fires("0 9 22 9 *", "2026-01-01T00:00", 1, calendar) == ["2026-09-24T09:00:00+09:00"]  # 国民の休日
    assert fires("0 9 * * 2", "2026-12-28T09:00", 2, calendar) == [
        "2027-01-04T09:00:00+09:00",  # Tuesday 12/29 is in 年末年始
        "2027-01-05T09:00:00+09:00",
    ]


def test_moved_times_are_merged_and_ordered() -> None:
    """Saturday and Sunday 09:00/17:00 all land on Monday: one 09:00 and one 17:00, in order."""
    assert fires("0 9,17 * * *", "2026-06-05T18:00", 3, BusinessCalendar()) == [
        "2026-06-08T09:00:00+09:00",
        "2026-06-08T17:00:00+09:00",
        "2026-06-09T09:00:00+09:00",
    ]


def test_every_day_schedule_ignores_the_calendar() -> None:
    assert fires("0 3 * * *", "2026-12-31T04:00", 1) == ["2027-01-01T03:00:00+09:00"]


def test_next_fire_after_previous_is_strictly_later() -> None:
    rule = trigger("30 8 * * 1", BusinessCalendar())
    first = rule.get_next_fire_time(None, local("2026-06-01T08:30"))
    assert first == local("2026-06-01T08:30")
    assert rule.get_next_fire_time(first, first) == local("2026-06-08T08:30")


def test_occurrences_are_the_moved_times_from_start_up_to_but_not_including_end() -> None:
    weekly = trigger("0 9 * * 2", BusinessCalendar())  # Tuesdays 09:00; 12/29 is in 年末年始
    runs = list(weekly.occurrences(local("2026-12-22T09:00"), local("2027-01-12T09:00")))
    assert runs == [local("2026-12-22T09:00"), local("2027-01-04T09:00"), local("2027-01-05T09:00")]
    assert list(weekly.occurrences(local("2026-12-22T09:00"), local("2026-12-22T09:00"))) == []
    assert list(weekly.occurrences(local("2027-01-12T09:00"), local("2027-01-12T09:00:00.000001"))) == [
        local("2027-01-12T09:00")
    ]
    assert next(trigger("0 9 1 1 *").occurrences(local("2026-06-01T00:00"))) == local("2027-01-01T09:00")


@settings(max_examples=25, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 1)), st.integers(1, 40))
def test_daily_occurrences_are_both_times_of_each_open_day_within_the_bounds(start: datetime, days: int) -> None:
    begin, calendar = start.replace(tzinfo=TZ), BusinessCalendar()
    end = begin + timedelta(days=days)
    runs = list(trigger("15 8,13 * * *", calendar).occurrences(begin, end))
    open_days = [begin.date() + timedelta(days=n) for n in range(days + 1)]
    expected = [
        when
        for day in open_days
        if calendar.is_business_day(day)
        for when in (local(f"{day}T08:15"), local(f"{day}T13:15"))
        if begin <= when < end
    ]
    assert runs == expected  # closed days' times land on the next open day at the same times, merged


def test_latest_at_or_before() -> None:
    rule = trigger("*/10 * * * *")
    assert rule.latest_at_or_before(local("2026-06-01T12:05"), timedelta(hours=6)) == local("2026-06-01T12:00")
    assert rule.latest_at_or_before(local("2026-06-01T12:05"), timedelta(minutes=4)) is None
    weekly = trigger("30 8 * * 1", BusinessCalendar())
    assert weekly.latest_at_or_before(local("2026-06-03T12:00"), timedelta(days=7)) == local("2026-06-01T08:30")


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("0", "2026-06-07"),  # crontab 0 = Sunday (APScheduler 3 alone would read Monday)
        ("7", "2026-06-07"),
        ("1-5", "2026-06-02"),
        ("sat", "2026-06-06"),
        ("*/3", "2026-06-03"),  # Sun, Wed, Sat
        ("5-7", "2026-06-05"),
    ],
)
def test_crontab_weekday_numbers(weekday: str, expected: str) -> None:
    assert fires(f"0 9 * * {weekday}", "2026-06-01T10:00", 1)[0].startswith(expected)


def test_six_fields_have_seconds_first() -> None:
    assert fires("*/20 * * * * *", "2026-06-01T10:00:01", 2) == [
        "2026-06-01T10:00:20+09:00",
        "2026-06-01T10:00:40+09:00",
    ]


@pytest.mark.parametrize("cron", ["* * *", "61 * * * *", "0 9 * * 8", "0 9 * * x1"])
def test_invalid_cron_is_a_clear_error(cron: str) -> None:
    with pytest.raises(ValueError, match="cron|day of week"):
        parse_cron(cron, TZ)


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)))
def test_business_day_runs_are_the_first_open_day_at_that_time(start: datetime) -> None:
    calendar = BusinessCalendar()
    start = start.replace(tzinfo=TZ)
    when = trigger("30 8 * * *", calendar).first_at_or_after(start)
    assert when >= start
    assert when.time().isoformat() == "08:30:00"
    assert calendar.is_business_day(when.date())
    day = start.date() if start.time() <= when.time() else start.date() + timedelta(days=1)
    while day < when.date():
        assert not calendar.is_business_day(day)
        day += timedelta(days=1)
