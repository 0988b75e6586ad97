"""What a person did, as every platform hands it to the router."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from bot.chat.address import Channel, Thread, User

Kind = Literal["command", "action", "form", "message", "thread"]


@dataclass
class Request:
    """One thing a person did: a command, a button press, a form submission or a message.

    ``user`` did it, in ``channel`` (None: outside any conversation, e.g. a form or the home view), in
    ``thread`` when it was said in one. ``mentions`` maps each word of ``text`` that the platform recognised as
    naming a person (a mention, or an id as the platform writes it) to that person. ``user_id``, ``channel_id``
    and ``platform`` are short for the stores, which key rows by the id string.
    """

    user: User
    kind: Kind = "message"
    is_admin: bool = False
    lang: str = "ja"
    channel: Channel | None = None
    thread: Thread | None = None
    command: str = ""  # kind=command: "kiun", "idea", … (no slash)
    text: str = ""  # command arguments or message text
    action_id: str = ""  # kind=action
    value: str = ""
    callback_id: str = ""  # kind=form
    values: dict[str, str] = field(default_factory=dict)
    metadata: str = ""
    mentions: dict[str, User] = field(default_factory=dict)

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else None

    @property
    def platform(self) -> str:
        return self.user.platform


def without_nul(request: Request) -> Request:
    """``request`` with NUL characters removed from everything typed: PostgreSQL cannot store them in text, and
    nobody means them."""
    typed = [request.text, request.value, request.metadata, *request.values, *request.values.values()]
    if not any("\x00" in part for part in typed):
        return request
    return replace(
        request,
        text=request.text.replace("\x00", ""),
        value=request.value.replace("\x00", ""),
        metadata=request.metadata.replace("\x00", ""),
        values={key.replace("\x00", ""): value.replace("\x00", "") for key, value in request.values.items()},
    )
