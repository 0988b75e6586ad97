"""How the report and the App Home write numbers and dates: units from the catalogue (人, 件, 点, 日), whole
percent rounded half up (days through bot.common.text.day_text)."""

from __future__ import annotations

import math

from bot.chat.i18n import t


def people(n: int, lang: str) -> str:
    return t("report.unit.people", lang, n=f"{n:,}")


def items(n: int, lang: str) -> str:
    return t("report.unit.items", lang, n=f"{n:,}")


def percent(value: float | None) -> str:
    """A share as whole percent, rounded half up (四捨五入; the epsilon absorbs binary fractions like 0.575)."""
    return "—" if value is None else f"{math.floor(100 * value + 0.5 + 1e-9)}%"


def points(value: float | None, lang: str) -> str:
    return "—" if value is None else t("report.unit.points", lang, n=f"{value:.1f}")


def change(value: float | None, lang: str) -> str:
    return "" if value is None else t("report.unit.points", lang, n=f"{value:+.1f}")


def days(value: float | None, lang: str) -> str:
    return "—" if value is None else t("report.unit.days", lang, n=f"{value:.1f}")
