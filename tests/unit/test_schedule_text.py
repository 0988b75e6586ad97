"""Schedule times as admins type them become validated crontabs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.scheduling.schedule_text import DAY_WORDS, ORDER, ScheduleTextError, to_cron
from bot.scheduling.triggers import parse_cron

TZ = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("mon 09:00", "0 9 * * mon"),
        ('"mon 09:00"', "0 9 * * mon"),
        ("月 9:00", "0 9 * * mon"),
        ("「木曜日 9時30分」", "30 9 * * thu"),
        ("月,木 9:30", "30 9 * * mon,thu"),
        ("月・水・金 10:00", "0 10 * * mon,wed,fri"),
        ("tue-thu 10:15", "15 10 * * tue,wed,thu"),
        ("平日 8:45", "45 8 * * mon-fri"),
        ("毎日 7:00", "0 7 * * *"),
        ("ＭＯＮ　９：００", "0 9 * * mon"),  # full-width letters, digits and space
        ("0 9 * * 1", "0 9 * * 1"),
        ("30 8 * * 1-5", "30 8 * * 1-5"),
    ],
)
def test_friendly_forms_and_crontab(text: str, cron: str) -> None:
    assert to_cron(text) == cron


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "schedule.reason.empty"),
        ("mon", "schedule.reason.time"),
        ("月 25:00", "schedule.reason.time"),
        ("月 9:75", "schedule.reason.time"),
        ("9:00", "schedule.reason.day"),
        ("someday 9:00", "schedule.reason.day"),
        ("金-月 9:00", "schedule.reason.day"),
        ("0 9 * * 8", "schedule.reason.cron"),
        ("0 25 * * 1", "schedule.reason.cron"),
    ],
)
def test_invalid_text_says_why(text: str, reason: str) -> None:
    with pytest.raises(ScheduleTextError) as caught:
        to_cron(text)
    assert caught.value.reason == reason


@given(
    days=st.lists(st.sampled_from(sorted(DAY_WORDS)), min_size=1, max_size=4),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    separator=st.sampled_from([",", "、", "・", " "]),
)
def test_any_days_and_time_fire_exactly_then(days: list[str], hour: int, minute: int, separator: str) -> None:
    cron = to_cron(f"{separator.join(days)} {hour}:{minute:02d}")
    trigger = parse_cron(cron, TZ)
    wanted = {ORDER.index(DAY_WORDS[day]) for day in days}
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 29, tzinfo=TZ))  # a Sunday
    fired = set()
    for _ in range(len(wanted)):
        assert (fire.hour, fire.minute) == (hour, minute)
        fired.add(fire.weekday())
        fire = trigger.get_next_fire_time(fire, fire.replace(second=1))
    assert fired == wanted
