"""Helpers shared by the idea handlers."""

from __future__ import annotations

import re

from bot.app.core import Core
from bot.chat.actions import MAX_ID
from bot.features.ideas.models import Idea

HELP_WORDS = ("help", "ヘルプ", "使い方", "?", "？")
_NUMBER = re.compile(r"^[#＃]?(\d{1,10})$")


def idea_id_of(value: str) -> int | None:
    """An idea number typed as ``12``, ``#12`` or ``＃12``."""
    match = _NUMBER.match(value.strip())
    return int(match.group(1)) if match and int(match.group(1)) <= MAX_ID else None


def get_idea(core: Core, idea_id: int) -> Idea | None:
    with core.sessions() as session:
        return session.get(Idea, idea_id)
