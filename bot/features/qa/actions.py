"""The 👍/👎 buttons under an answer, and the confirmation of a document's removal."""

from __future__ import annotations

from typing import Any

from bot.chat.actions import Action, Id, int_or_text


class Feedback(Action):
    """Whether an answer (``question``: its row) helped."""

    name = "qa_feedback"
    aliases = ("qa_feedback_up", "qa_feedback_down")  # buttons posted before typed actions
    question: Id
    helpful: bool

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        """The question's id, with up or down in the old button's id."""
        return {"question": int_or_text(text), "helpful": name == "qa_feedback_up"}


class RemoveDocument(Action):
    """削除する under ``/kiun admin docs remove <id>``: remove the document (``document``: its row)."""

    name = "qa_document_remove"
    document: Id


class KeepDocument(Action):
    """やめる under ``/kiun admin docs remove <id>``: keep the document."""

    name = "qa_document_keep"
    document: Id
