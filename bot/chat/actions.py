"""Typed button and form actions.

Each action is a small frozen pydantic model with an exact ``name``: a button's ``action_id`` (or a form's
``callback_id``) is the name and its ``value`` (a form's ``metadata``) is the model as JSON. The router finds the
model by name, validates the payload once and hands the model to the handler; an unknown name or an invalid
payload gets one polite message (``error.unknown_action``).

Buttons posted before typed actions carry plain text (``12``, ``new|2|``, ``7:relevance:4``): a model that must
keep them working says how to read that text in :meth:`Action.from_text`, and lists old ids in ``aliases``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from bot.chat.reply import Button, Form

MAX_ID = 2**31 - 1  # PostgreSQL integer columns stop here

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A database row id (an idea, a poll run, a question): a positive int within PostgreSQL's integer."""

Key = Annotated[str, Field(min_length=1, max_length=64)]
"""A short identifier written by kiun (a lesson id, a quiz key, a poll question id)."""


class Action(BaseModel):
    """A button press or a form submission; subclasses declare ``name`` and their fields."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()  # ids of buttons posted before typed actions
    opens_form: ClassVar[bool] = False  # its handler answers with a form (see Button.opens_form)

    @classmethod
    def parse(cls, payload: str, name: str = "") -> Self:
        """The action from a button's value or a form's metadata (``name``: the id it came with); raises
        :class:`pydantic.ValidationError`."""
        if payload.lstrip().startswith("{"):
            return cls.model_validate_json(payload)
        return cls.model_validate(payload, context={"name": name})

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            return cls.from_text(data, (info.context or {}).get("name", ""))
        return data

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        """The fields of an old plain-text payload; by default only an action without fields accepts one."""
        return {} if not cls.model_fields else text

    @property
    def payload(self) -> str:
        return self.model_dump_json()

    def button(
        self, label: str, style: Literal["primary", "danger"] | None = None, *, opens_form: bool | None = None
    ) -> Button:
        """A button for this action; ``opens_form`` when this button (not every one of the action) opens a form."""
        opens = self.opens_form if opens_form is None else opens_form
        return Button(label=label, action_id=self.name, value=self.payload, style=style, opens_form=opens)

    def form(self, **fields: Any) -> Form:
        """A form whose submission comes back as this action (``fields``: the rest of the :class:`Form`)."""
        return Form(callback_id=self.name, metadata=self.payload, **fields)


def int_or_text(text: str) -> int | str:
    """``text`` as an int when it is ASCII digits (an old payload's id), else unchanged (so validation fails)."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 12 else text
