"""bot.common.text: the one truncate and the one day formatter every feature uses."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.common.text import DAY_STYLES, day_text, truncate


def test_truncate_keeps_short_text_and_marks_a_cut():
    assert truncate("提案", 2) == "提案"
    assert truncate("ペーパーレス会議", 5) == "ペーパー…"
    assert truncate("", 3) == ""


@given(st.text(), st.integers(min_value=1, max_value=50))
def test_truncate_never_exceeds_the_limit_and_keeps_the_start(text, limit):
    out = truncate(text, limit)
    assert len(out) <= limit
    assert out == text or (out.endswith("…") and text.startswith(out[:-1]) and len(text) > limit)


@pytest.mark.parametrize(
    ("style", "ja", "en"),
    [
        ("short", "12/7", "12/7"),
        ("short_weekday", "12/7（月）", "12/7（Mon）"),
        ("weekday", "月", "Mon"),
        ("month_day", "12月7日（月）", "Mon 12/7"),
        ("long", "2026年12月7日", "2026-12-7"),
        ("month", "2026年12月", "2026-12"),
    ],
)
def test_day_text_styles(style, ja, en):
    day = date(2026, 12, 7)  # a Monday
    assert day_text(day, style, "ja") == ja
    assert day_text(day, style, "en") == en


def test_day_text_takes_a_datetime_and_defaults_to_short_japanese():
    assert day_text(datetime(2027, 1, 3, 9, 30)) == "1/3"
    assert day_text(date(2027, 1, 3), "weekday") == "日"
    assert set(DAY_STYLES) == {"short", "short_weekday", "weekday", "month_day", "long", "month"}
