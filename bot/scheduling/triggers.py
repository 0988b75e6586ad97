"""Cron parsing and the business-day trigger shared by the live scheduler and ``kiun jobs next``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.scheduling.calendar import MAX_SHIFT_DAYS, BusinessCalendar

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_TOKEN = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")
_ONE_MICROSECOND = timedelta(microseconds=1)


def _crontab_day_of_week(field: str) -> str:
    """Translate crontab weekday numbers (0 or 7 = Sunday) to names; APScheduler 3 counts 0 as Monday."""
    days: list[str] = []
    for token in field.split(","):
        match = _DOW_TOKEN.match(token)
        if not match:
            if any(char.isdigit() for char in token):
                raise ValueError(f"day of week {token!r} is not understood")
            days.append(token)  # names (mon-fri) and ? mean the same in both
            continue
        first, last, step = match.groups()
        if first == "*":
            if step is None:
                days.append("*")
                continue
            low, high = 0, 6
        else:
            low = int(first)
            high = int(last) if last else (6 if step else low)
        if not 0 <= low <= high <= 7:
            raise ValueError(f"day of week {token!r} must be within 0-7")
        days.extend(_DOW_NAMES[number] for number in range(low, high + 1, int(step or 1)))
    return ",".join(dict.fromkeys(days))


def parse_cron(expr: str, tz: tzinfo) -> CronTrigger:
    """A crontab expression in local time: 5 fields (minute hour day month weekday) or 6 with seconds first.

    Weekday numbers follow crontab (0 and 7 are Sunday); names (``mon-fri``) work too. As in APScheduler,
    a restricted day-of-month and weekday must both match.
    """
    fields = expr.split()
    if len(fields) == 5:
        fields.insert(0, "0")
    if len(fields) != 6:
        raise ValueError(f"cron {expr!r} needs 5 fields (minute hour day month weekday) or 6 with seconds first")
    second, minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_day_of_week(weekday),
            timezone=tz,
        )
    except ValueError as exc:
        raise ValueError(f"cron {expr!r}: {exc}") from None


class ScheduleTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 has no type information
    """Fires at the cron's times; with a calendar, a time on a closed day moves to the next business day at
    the same wall-clock time (several closed-day times landing on one time fire once)."""

    def __init__(self, cron: CronTrigger, calendar: BusinessCalendar | None = None) -> None:
        self.cron = cron
        self.calendar = calendar
        self.tz = cron.timezone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = previous_fire_time + _ONE_MICROSECOND if previous_fire_time else now
        return self.first_at_or_after(start)

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The first (possibly moved) fire time at or after ``start``."""
        start = start.astimezone(self.tz)
        if self.calendar is None:
            first: datetime | None = self.cron.get_next_fire_time(None, start)
            return first
        calendar = self.calendar
        target = calendar.next_business_day(start.date())
        floor = start.time().replace(tzinfo=None) if target == start.date() else time(0)
        while True:
            best = None
            for source in self._sources(target, calendar):
                fire = self.cron.get_next_fire_time(None, datetime.combine(source, floor, tzinfo=self.tz))
                if fire is not None and fire.date() == source:
                    moved = datetime.combine(target, fire.time(), tzinfo=self.tz)
                    best = moved if best is None else min(best, moved)
            if best is not None:
                return best
            following = datetime.combine(target + timedelta(days=1), time(0), tzinfo=self.tz)
            fire = self.cron.get_next_fire_time(None, following)
            if fire is None:
                return None
            target, floor = calendar.next_business_day(fire.date()), time(0)

    def occurrences(self, start: datetime, end: datetime | None = None) -> Iterator[datetime]:
        """The (possibly moved) fire times in ``[start, end)``, in order; without ``end``, all of them."""
        when = self.first_at_or_after(start)
        while when is not None and (end is None or when < end):
            yield when
            when = self.first_at_or_after(when + _ONE_MICROSECOND)

    def _sources(self, target: date, calendar: BusinessCalendar) -> list[date]:
        """``target`` and the closed days right before it, whose times move onto ``target``."""
        days = [target]
        for _ in range(MAX_SHIFT_DAYS):
            previous = days[-1] - timedelta(days=1)
            if calendar.is_business_day(previous):
                break
            days.append(previous)
        return days

    def latest_at_or_before(self, when: datetime, window: timedelta) -> datetime | None:
        """The last fire time in ``[when - window, when]``, or None."""
        when = when.astimezone(self.tz)
        span = timedelta(minutes=1)
        while True:
            span = min(span, window)
            latest = max(self.occurrences(when - span, when + _ONE_MICROSECOND), default=None)
            if latest is not None or span >= window:
                return latest
            span *= 60

    def __str__(self) -> str:
        return f"schedule[{self.cron}{', business days' if self.calendar else ''}]"
