"""A fact's ``compute:``: its sentence worked out from the numbers its chart draws, not typed by hand.

::

    text: "{to}年ごろまでに、市の人口は約{percent}%{trend}と見込まれています。"
    value: "約{percent}"
    unit: "%{direction}"
    compute:
      series: 総人口   # a legend label of the chart (default: the first)
      from: 2020       # a label of the chart (default: the first)
      to: 2035         # default: the last
      digits: 0        # decimals of {percent} (0-2)

The placeholders (:data:`PLACEHOLDERS`): ``{from}``/``{to}`` the two labels (``2020年`` → ``2020``),
``{from_value}``/``{to_value}`` their numbers, ``{difference}`` the change (``-6,586``), ``{percent}`` its size in
percent, ``{direction}`` 減/増, ``{trend}`` 減る/増える, ``{per_ten}`` how many of ten are left (``8.3``). They are
filled in the fact's ``text``, ``value`` and ``unit``, so a city that uploads its own table gets the sentence of its
own numbers. Only plain ``{name}`` placeholders are read (no format specs or attributes): the text is data, never a
format program.
"""

from __future__ import annotations

import string
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

from bot.common.content_files import ContentModel, Invalid, Message

PLACEHOLDERS = ("from", "to", "from_value", "to_value", "difference", "percent", "direction", "trend", "per_ten")


class ComputeFile(ContentModel):
    """The ``compute:`` block: which series of the chart, between which two labels."""

    series: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    start: str | int | None = Field(default=None, alias="from")
    end: str | int | None = Field(default=None, alias="to")
    digits: Annotated[int, Field(ge=0, le=2)] = 0

    def values(self, labels: tuple[str, ...], series: dict[str, tuple[float, ...]]) -> dict[str, str]:
        """The placeholders' values for the chart's ``labels`` and ``series``; :class:`Invalid` at the key that
        names something the chart does not have."""
        name = self.series if self.series is not None else next(iter(series), "")
        if name not in series:
            names = ", ".join(series)
            text = Message("compute_series", "{key} must be a legend label of the chart: {names}", names=names)
            raise Invalid(text, "series")
        numbers = series[name]
        first = _index(labels, self.start, 0, "from")
        last = _index(labels, self.end, len(labels) - 1, "to")
        start, end = numbers[first], numbers[last]
        if start == 0:
            text = Message("compute_zero", "the value at '{label}' is 0: no change in percent", label=labels[first])
            raise Invalid(text, "from")
        change = end - start
        return {
            "from": _label(labels[first]),
            "to": _label(labels[last]),
            "from_value": plain(start),
            "to_value": plain(end),
            "difference": ("+" if change > 0 else "") + plain(change),
            "percent": _half_up(abs(change) / abs(start) * 100, self.digits),
            "direction": "減" if change < 0 else "増" if change > 0 else "増減なし",
            "trend": "減る" if change < 0 else "増える" if change > 0 else "変わらない",
            "per_ten": _half_up(end / start * 10, 1).removesuffix(".0"),
        }


def _index(labels: tuple[str, ...], given: str | int | None, default: int, key: str) -> int:
    if given is None:
        return default
    wanted = _label(str(given))
    for number, label in enumerate(labels):
        if _label(label) == wanted:
            return number
    shown = ", ".join(labels)
    raise Invalid(Message("compute_label", "{key} must be a label of the chart: {labels}", labels=shown), key)


def _label(text: str) -> str:
    """A label as compared and as filled in: width folded, ``年`` dropped (``２０２０年`` → ``2020``)."""
    return unicodedata.normalize("NFKC", text).strip().removesuffix("年")


def plain(number: float) -> str:
    """``-17`` for -17.0, ``94.3`` for 94.30000000001, with thousands separators."""
    number = round(number, 6)
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


def _half_up(number: float, digits: int) -> str:
    """``number`` rounded half up, as people round (12.5 → 13, where Python's rounding gives 12)."""
    exact = Decimal(repr(round(number, 9))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{exact:,}"


def fill(template: str, values: dict[str, str] | None) -> str:
    """``template`` with its placeholders filled from ``values``; :class:`Invalid` for a placeholder ``values``
    does not give, a format spec, or a stray brace. With ``values`` None (no ``compute:``), a text using a
    placeholder is refused and any other braces are kept as written."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        if values is None:
            return template
        raise Invalid(Message("compute_braces", "{key} has a '{{' or '}}' that is not a placeholder")) from None
    if values is None:
        used = next((name for _, name, _, _ in parts if name in PLACEHOLDERS), None)
        if used:
            raise Invalid(Message("compute_none", "{key} uses '{name}' but the fact has no 'compute:'", name=used))
        return template
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            allowed = ", ".join(PLACEHOLDERS)
            text = Message(
                "compute_placeholder",
                "{key}: '{name}' is not a placeholder of compute (use one of: {allowed})",
                name=name,
                allowed=allowed,
            )
            raise Invalid(text)
        out.append(values[name])
    return "".join(out)
