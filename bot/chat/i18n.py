"""The message catalogue: every user-facing text, Japanese first, English second (``bot/messages.yml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LOCALES = ("ja", "en")
_CATALOGUE = Path(__file__).with_name("messages.yml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Key → {locale → text}, loaded once."""
    with _CATALOGUE.open(encoding="utf-8") as handle:
        entries: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return entries


def t(key: str, lang: str = "ja", /, **values: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to Japanese), formatted with ``values``."""
    entry = catalogue()[key]
    template = entry.get(lang) or entry["ja"]
    return template.format(**values) if values else template
