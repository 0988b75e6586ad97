"""Calendar months as periods: parsing ``YYYY-MM``, their UTC bounds in the city's time zone, Japanese labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11`` → Month; ValueError for anything else (e.g. ``2026/11``, ``2026-13``)."""
        match = _MONTH.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise ValueError(f"not a month: {text!r} (write YYYY-MM, e.g. 2026-11)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next().first - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) of the month in ``tz``, as aware datetimes."""
        return _midnight(self.first, tz), _midnight(self.next().first, tz)

    def key(self) -> str:
        """``2026-11``."""
        return f"{self.year}-{self.month:02d}"


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)
