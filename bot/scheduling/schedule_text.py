"""Schedule times as admins type them: ``mon 09:00``, ``月 9:00``, ``月,木 9:30``, ``平日 8:45``, ``毎日 7:00``,
``9時30分`` forms, or a crontab (``0 9 * * 1``). :func:`to_cron` turns them into a 5-field crontab."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo

from bot.scheduling.triggers import parse_cron

_DAYS = {
    "mon": ("mon", "monday", "月", "月曜", "月曜日"),
    "tue": ("tue", "tues", "tuesday", "火", "火曜", "火曜日"),
    "wed": ("wed", "wednesday", "水", "水曜", "水曜日"),
    "thu": ("thu", "thur", "thurs", "thursday", "木", "木曜", "木曜日"),
    "fri": ("fri", "friday", "金", "金曜", "金曜日"),
    "sat": ("sat", "saturday", "土", "土曜", "土曜日"),
    "sun": ("sun", "sunday", "日", "日曜", "日曜日"),
}
DAY_WORDS = {word: day for day, words in _DAYS.items() for word in words}
GROUP_WORDS = {
    "平日": "mon-fri",
    "weekdays": "mon-fri",
    "weekday": "mon-fri",
    "毎日": "*",
    "daily": "*",
    "everyday": "*",
}
ORDER = list(_DAYS)
_TIME = re.compile(r"^(?P<days>.*?)\s*(?P<hour>\d{1,2})(?:\s*[:時]\s*(?P<minute>\d{1,2})?\s*分?)?$")
_CRON_FIELD = re.compile(r"^[\d*,/\-a-z?]+$")
_SEPARATORS = re.compile(r"\s*[,、・/]\s*|\s+")
_RANGE = re.compile(r"\s*[-~〜～]\s*")


class ScheduleTextError(ValueError):
    """The text is not a schedule; ``reason`` is a catalogue key (schedule.reason.*)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_cron(text: str) -> str:
    """A crontab for ``text`` (validated); :class:`ScheduleTextError` says what is wrong."""
    cleaned = unicodedata.normalize("NFKC", text).strip().strip("\"'“”「」").strip().lower()
    if not cleaned:
        raise ScheduleTextError("schedule.reason.empty")
    fields = cleaned.split()
    if len(fields) in (5, 6) and all(_CRON_FIELD.match(field) for field in fields):
        try:
            parse_cron(cleaned, ZoneInfo("UTC"))
        except ValueError:
            raise ScheduleTextError("schedule.reason.cron") from None
        return cleaned
    match = _TIME.match(cleaned)
    if not match:
        raise ScheduleTextError("schedule.reason.time")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise ScheduleTextError("schedule.reason.time")
    return f"{minute} {hour} * * {_days(match['days'])}"


def _days(text: str) -> str:
    text = text.strip().rstrip("の").strip()
    if not text:
        raise ScheduleTextError("schedule.reason.day")
    if text in GROUP_WORDS:
        return GROUP_WORDS[text]
    days: list[str] = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        ends = _RANGE.split(token)
        if len(ends) == 2 and all(end in DAY_WORDS for end in ends):
            first, last = ORDER.index(DAY_WORDS[ends[0]]), ORDER.index(DAY_WORDS[ends[1]])
            if first > last:
                raise ScheduleTextError("schedule.reason.day")
            days.extend(ORDER[first : last + 1])
        elif token in DAY_WORDS:
            days.append(DAY_WORDS[token])
        elif token in GROUP_WORDS and GROUP_WORDS[token] != "*":
            days.extend(ORDER[:5])
        else:
            raise ScheduleTextError("schedule.reason.day")
    return ",".join(sorted(dict.fromkeys(days), key=ORDER.index))
