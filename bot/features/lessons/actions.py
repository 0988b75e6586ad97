"""The lessons' buttons."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bot.chat.actions import Action, Key, int_or_text


class QuizAnswer(Action):
    """A quiz button: ``quiz`` is the quiz key (``L:…``, ``R:…``, or ``P:<lesson>`` in an admin's preview)."""

    name = "quiz_answer"
    aliases = ("quiz_answer_0", "quiz_answer_1", "quiz_answer_2", "quiz_answer_3")
    quiz: Key
    choice: Annotated[int, Field(ge=0, le=3)]

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        """``<quiz key>|<choice>``, as posted before typed actions."""
        quiz, _, choice = text.rpartition("|")
        return {"quiz": quiz, "choice": int_or_text(choice)}
