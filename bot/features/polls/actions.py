"""The polls' buttons and the comment form."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bot.chat.actions import Action, Id, Key, int_or_text


class PollAnswer(Action):
    """An answer button (``answer``: the scale value or option id; empty for a text question: open its form)."""

    name = "poll_answer"
    run: Id
    question: Key
    answer: Annotated[str, Field(max_length=64)] = ""

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        """``<run>:<question>:<answer>``, as posted before typed actions."""
        run, _, rest = text.partition(":")
        question, _, answer = rest.partition(":")
        return {"run": int_or_text(run), "question": question, "answer": answer}


class PollShow(Action):
    """Show the open polls sent to me (``/kiun poll``)."""

    name = "poll_show"


class PollText(Action):
    """The comment form of a text question."""

    name = "poll_text"
    run: Id
    question: Key

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        run, _, question = text.partition(":")
        return {"run": int_or_text(run), "question": question}
