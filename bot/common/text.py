"""How kiun shortens text and writes days, the same way in every feature: one ``truncate`` and one ``day_text``."""

from __future__ import annotations

from datetime import date

ELLIPSIS = "…"

WEEKDAYS = {
    "ja": ("月", "火", "水", "木", "金", "土", "日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

# style → (Japanese, English); {y} year, {m} month, {d} day (not zero-padded), {w} weekday.
DAY_STYLES = {
    "short": ("{m}/{d}", "{m}/{d}"),  # 12/7: job outcomes, the weekly plan, chart labels
    "short_weekday": ("{m}/{d}（{w}）", "{m}/{d}（{w}）"),  # 12/7（月）: poll periods
    "weekday": ("{w}", "{w}"),  # 月
    "month_day": ("{m}月{d}日（{w}）", "{w} {m}/{d}"),  # 12月7日（月）: lesson reviews
    "long": ("{y}年{m}月{d}日", "{y}-{m}-{d}"),  # 2026年12月7日: the report
    "month": ("{y}年{m}月", "{y}-{m}"),  # 2026年12月: the report's month
}


def truncate(text: str, limit: int) -> str:
    """``text`` when it has at most ``limit`` characters, else its start ending in … (``limit`` in all)."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def day_text(day: date, style: str = "short", lang: str = "ja") -> str:
    """``day`` (a date or datetime) written in one of :data:`DAY_STYLES`, in Japanese or English."""
    ja, en = DAY_STYLES[style]
    names = WEEKDAYS["en" if lang == "en" else "ja"]
    return (en if lang == "en" else ja).format(y=day.year, m=day.month, d=day.day, w=names[day.weekday()])
