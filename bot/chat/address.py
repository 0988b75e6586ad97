"""Where a message goes or came from, as typed values carrying their platform (DESIGN §2: addresses, not ids).

Only a platform turns an address into API calls (Slack opens a DM for a :class:`User`). Addresses are frozen
pydantic models with a ``kind`` tag, so :data:`Address` is a discriminated union the outbox stores as JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Address(BaseModel):
    model_config = ConfigDict(frozen=True)


class User(_Address):
    """A person; a message to a user is a direct message."""

    kind: Literal["user"] = "user"
    platform: str
    id: str


class Channel(_Address):
    """A channel (or any conversation the platform names by an id, e.g. a Slack DM channel)."""

    kind: Literal["channel"] = "channel"
    platform: str
    id: str


class Thread(_Address):
    """A thread in ``channel``; ``id`` is the platform's id of the thread's root message."""

    kind: Literal["thread"] = "thread"
    channel: Channel
    id: str

    @property
    def platform(self) -> str:
        return self.channel.platform


class Conversation(_Address):
    """A conversation known only by a stored platform reference (``ref``: opaque JSON text, e.g. a Teams
    conversation reference for a proactive message)."""

    kind: Literal["conversation"] = "conversation"
    platform: str
    ref: str


Address = Annotated[User | Channel | Thread | Conversation, Field(discriminator="kind")]
ADDRESS = TypeAdapter(Address)


def label(address: Address) -> str:
    """A short text naming the address (logs, the console's delivery lines): the channel's id for a thread."""
    if isinstance(address, Thread):
        return address.channel.id
    if isinstance(address, Conversation):
        return address.ref
    return address.id
