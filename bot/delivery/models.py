"""Tables of delivery: the outbox, the deferred-work queue and the platform events already handled.

Uniqueness that matters is a database constraint (see DESIGN §2), never only a check in code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Dialect, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from bot.chat.address import ADDRESS, Address
from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class AddressJSON(TypeDecorator[Address]):
    """An :data:`~bot.chat.address.Address` stored as its JSON text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Address | None, dialect: Dialect) -> str | None:
        return None if value is None else ADDRESS.dump_json(value).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> Address | None:
        return None if value is None else ADDRESS.validate_json(value)


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


class TaskState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OutboxMessage(Base):
    """A message waiting to be (or already) delivered; ``key`` makes enqueueing idempotent.

    States: pending → sending → sent; failed after the last attempt or a permanent error; a ``sending`` row
    left by a crash is reconciled by the sender: sent, pending again, or ``unknown`` when the platform cannot
    tell (never resent automatically; see bot.delivery.outbox).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_platform_state", "platform", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[Address] = mapped_column(AddressJSON)  # where it goes
    # The address's platform, for the sender of each platform to claim only its own rows (one shared database)
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_ref: Mapped[str | None] = mapped_column(String(500), nullable=True)  # the platform's id of the post
    # Set when this row edits an earlier message: the key of the row that posted it (see bot.delivery.outbox).
    replaces: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeferredTask(Base):
    """Work a person asked for that runs after the ack (a report, an answer by DM, a poll broadcast); ``key``
    makes deferring idempotent and names the reply in the outbox.

    States: pending → running → done; pending again with a later ``next_attempt_at`` after a failure; failed after
    the last attempt. A ``running`` row whose lease ran out (its worker was stopped or crashed) is claimed again
    (see bot.delivery.deferred).
    """

    __tablename__ = "deferred_tasks"
    __table_args__ = (Index("ix_deferred_tasks_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Who gets the task's reply (a person, by direct message); None when the task answers nobody.
    reply_to: Mapped[Address | None] = mapped_column(AddressJSON, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PlatformEvent(Base):
    """Platform event ids already handled (Slack: event ids, and Socket Mode envelope ids as ``envelope:<id>``): a
    retried delivery of the same event or envelope never acts twice."""

    __tablename__ = "platform_events"

    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
