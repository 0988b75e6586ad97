"""ORM models of pulse polls: runs, recipients (as per-run HMAC tokens) and answers.

Anonymity is a property of the schema: an anonymous run's answers carry no user id, only ``respondent``, an
HMAC of (run id, user id) that differs per run; at close it is replaced by a random value, so afterwards even
someone holding ``KIUN_SECRET_KEY`` cannot link an answer to a person. ``answered_on`` is a date, not a time.
Answer ids are random, so their order says nothing about who answered when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow

TOKEN_LENGTH = 64  # hex of HMAC-SHA256


def random_id() -> str:
    return secrets.token_hex(16)


class RunState(StrEnum):
    OPENING = "opening"
    OPEN = "open"
    CLOSED = "closed"


class PollRun(Base):
    """One sending of a poll template: open for a number of business days, then closed with results.

    States: ``opening`` (created, not yet sent to the channel's members) → ``open`` → ``closed``.
    ``spec`` is the template as it was when the run opened, so results stay readable after the file changes.
    """

    __tablename__ = "poll_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=RunState.OPENING)
    channel: Mapped[str] = mapped_column(String(500))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    opened_on: Mapped[date] = mapped_column(Date)
    remind_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closes_on: Mapped[date] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PollRecipient(Base):
    """Who a run was sent to, as tokens only; deleted at close (the run keeps the count)."""

    __tablename__ = "poll_recipients"

    run_id: Mapped[int] = mapped_column(ForeignKey("poll_runs.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), primary_key=True)


class PollAnswer(Base):
    """One answer to one question; one per respondent, question and run (a database constraint).

    ``user_id`` is set only for runs of non-anonymous templates (e.g. a training sign-up), which say so.
    """

    __tablename__ = "poll_answers"
    __table_args__ = (
        UniqueConstraint("run_id", "question", "respondent", name="uq_poll_answers_run_question_respondent"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    run_id: Mapped[int] = mapped_column(ForeignKey("poll_runs.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(32))
    respondent: Mapped[str] = mapped_column(String(TOKEN_LENGTH))
    value_int: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_on: Mapped[date] = mapped_column(Date)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


@dataclass(frozen=True)
class Answered:
    """After an answer: how many of the run's questions this person has answered."""

    answered: int
    total: int
    closes_on: date
