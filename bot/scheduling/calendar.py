"""Business days: Japanese public holidays (``holidays``), the year-end closure (年末年始) and admin overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.config import parse_year_end
from bot.app.core import Core
from bot.scheduling.models import CalendarOverride

MAX_SHIFT_DAYS = 60


@dataclass
class BusinessCalendar:
    """Which days are open. ``overrides`` maps a day to True (open) or False (closed) and wins over rules."""

    year_end: tuple[tuple[int, int], tuple[int, int]] | None = ((12, 29), (1, 3))
    overrides: dict[date, bool] = field(default_factory=dict)
    _holidays: holidays.HolidayBase = field(default_factory=lambda: holidays.country_holidays("JP", language="ja"))

    @classmethod
    def load(cls, session: Session, year_end_spec: str = "12-29..01-03") -> BusinessCalendar:
        rows = session.scalars(select(CalendarOverride)).all()
        return cls(parse_year_end(year_end_spec), {row.day: row.is_open for row in rows})

    @classmethod
    def current(cls, core: Core) -> BusinessCalendar:
        """The business calendar with the admins' current overrides."""
        with core.sessions() as session:
            return cls.load(session, core.settings.kiun_year_end_closed)

    def closed_reason(self, day: date) -> str | None:
        """Why ``day`` is closed (a short label), or None when it is a business day."""
        if day in self.overrides:
            return None if self.overrides[day] else "admin"
        if day.weekday() >= 5:
            return "weekend"
        if self.in_year_end(day):
            return "year_end"
        name = self._holidays.get(day)
        return f"holiday:{name}" if name else None

    def is_business_day(self, day: date) -> bool:
        return self.closed_reason(day) is None

    def in_year_end(self, day: date) -> bool:
        if self.year_end is None:
            return False
        start, end = self.year_end
        key = (day.month, day.day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end

    def next_business_day(self, day: date) -> date:
        """``day`` itself when open, else the next open day."""
        for offset in range(MAX_SHIFT_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within {MAX_SHIFT_DAYS} days of {day}")

    def previous_business_day(self, day: date) -> date:
        """The last open day before ``day``."""
        for offset in range(1, MAX_SHIFT_DAYS + 1):
            candidate = day - timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within {MAX_SHIFT_DAYS} days before {day}")

    def add_business_days(self, day: date, count: int) -> date:
        """The business day ``count`` business days after ``day`` (for poll periods)."""
        current = day
        for _ in range(count):
            current = self.next_business_day(current + timedelta(days=1))
        return current
