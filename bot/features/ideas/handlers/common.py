"""Helpers shared by the idea handlers."""

from __future__ import annotations

import re

from bot.app.core import Core
from bot.features.ideas.models import Idea

HELP_WORDS = ("help", "ヘルプ", "使い方", "?", "？")
_NUMBER = re.compile(r"^[#＃]?(\d{1,9})$")


def idea_id_of(value: str) -> int | None:
    """An idea number from ``12``, ``#12`` or ``＃12``."""
    match = _NUMBER.match(value.strip())
    return int(match.group(1)) if match else None


def get_idea(core: Core, value: str) -> Idea | None:
    idea_id = idea_id_of(value)
    if idea_id is None:
        return None
    with core.sessions() as session:
        return session.get(Idea, idea_id)
