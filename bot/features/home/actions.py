"""The App Home's buttons and its question form."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bot.chat.actions import Action, Key


class AskButton(Action):
    """Open the question form."""

    name = "home_ask"
    opens_form = True


class AskForm(Action):
    """The question form (the question is its input)."""

    name = "home_ask"
    opens_form = True


class LessonButton(Action):
    """Show one lesson, as ``/kiun lesson <id>``."""

    name = "home_lesson"
    lesson: Key

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        return {"lesson": text}


class ReportButton(Action):
    """The report of one month (``YYYY-MM``), as ``/kiun admin report``."""

    name = "home_report"
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        return {"month": text}
