"""Platform-neutral replies.

Handlers return these; each platform renders them (Slack: Block Kit and modals, console: text, Teams
later: Adaptive Cards). They are pydantic models so the outbox can store them as JSON.

Texts (a reply's text, a section's text, field labels and values, a form's title and intro, input hints, errors)
are :mod:`bot.chat.markup`; button labels, input labels, options and placeholders are plain text.
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer


def _from_base64(value: object) -> object:
    return base64.b64decode(value, validate=True) if isinstance(value, str) else value


# Raw bytes in Python; base64 text in JSON (so an outbox payload keeps a PNG intact and validates back).
Base64Data = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda data: base64.b64encode(data).decode("ascii"), return_type=str, when_used="json"),
]


class Button(BaseModel):
    """A button, built by :meth:`bot.chat.actions.Action.button`: ``action_id`` is the action's name, ``value``
    the action as JSON."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    # Its handler answers with a form: a platform that opens forms only from a button declared so (Teams' dialogs)
    # renders it that way; the others ignore it.
    opens_form: bool = False


class FieldItem(BaseModel):
    """A label/value pair shown in a two-column layout on Slack."""

    label: str
    value: str


class Section(BaseModel):
    """A block of text with optional fields and buttons that belong to it."""

    text: str = ""
    fields: list[FieldItem] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)


class Image(BaseModel):
    """A PNG to show with the message (``data`` is the file itself; base64 text in JSON)."""

    title: str
    alt_text: str
    filename: str = "chart.png"
    data: Base64Data = b""


class File(BaseModel):
    """A file handed over with the message (e.g. a CSV export); ``data`` is the file itself (base64 in JSON)."""

    filename: str
    title: str
    mime: str = "application/octet-stream"
    data: Base64Data = b""


class Option(BaseModel):
    value: str
    label: str


class Input(BaseModel):
    """One field of a form (a Slack modal, prompted lines on the console)."""

    name: str
    label: str
    kind: Literal["text", "multiline", "select", "checkbox", "number"] = "text"
    optional: bool = False
    max_length: int | None = None
    placeholder: str = ""
    hint: str = ""
    initial: str = ""
    options: list[Option] = Field(default_factory=list)


class Form(BaseModel):
    """A form to fill in; its submission is routed by ``callback_id``."""

    callback_id: str
    title: str
    submit_label: str
    inputs: list[Input]
    intro: str = ""
    metadata: str = ""


class Reply(BaseModel):
    """What a handler answers.

    ``text`` is the plain summary (notification text and the console's first line); ``sections`` the body.
    ``ephemeral`` replies are shown only to the person who asked (where it goes otherwise, and in which thread:
    bot.chat.capabilities). A reply with ``form`` opens that form.
    ``errors`` (field name → message) answers a form submission that must be corrected in place.
    ``file`` is handed over as a download (Slack: uploaded to the person's DM; console: saved to a file).
    """

    text: str
    sections: list[Section] = Field(default_factory=list)
    image: Image | None = None
    file: File | None = None
    ephemeral: bool = True
    form: Form | None = None
    errors: dict[str, str] = Field(default_factory=dict)

    def buttons(self) -> list[Button]:
        """Every button in the reply, in order."""
        return [button for section in self.sections for button in section.buttons]
