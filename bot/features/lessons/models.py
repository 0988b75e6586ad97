"""ORM models of lessons and facts: what was posted where, quiz answers, spaced reviews, progress.

Uniqueness that matters is a database constraint: an item is posted once per channel and round, a person answers
each quiz once, and each person has at most one review item per lesson.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class ContentPost(Base):
    """A lesson or fact posted to a channel. ``round`` 0 is the first posting; a lesson's review quizzes, posted
    after the curriculum is exhausted, are rounds 1, 2, …"""

    __tablename__ = "content_posts"
    __table_args__ = (
        UniqueConstraint("kind", "channel", "item_id", "round", name="uq_content_posts_kind_channel_item_round"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # lesson | fact
    item_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(500))
    round: Mapped[int] = mapped_column(Integer, default=0)
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAnswer(Base):
    """One person's answer to one quiz; the first press counts.

    ``quiz`` names the quiz: ``L:<lesson>`` (the lesson's quiz), ``L:<lesson>:<round>`` (a review round posted to
    the channel) or ``R:<review id>:<send>`` (a review sent by DM)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("quiz", "user_id", name="uq_quiz_answers_quiz_user_id"),
        Index("ix_quiz_answers_user_id", "user_id"),
        Index("ix_quiz_answers_lesson_id", "lesson_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz: Mapped[str] = mapped_column(String(96))
    lesson_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewState(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    DONE = "done"


class QuizReview(Base):
    """A lesson a person answered wrong, to be asked again by DM after 3, then 7, then 21 days.

    ``step`` is the interval now waited for; ``state`` waiting → sent (DM queued) → waiting (next step) or done."""

    __tablename__ = "quiz_reviews"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", name="uq_quiz_reviews_user_id_lesson_id"),
        Index("ix_quiz_reviews_state_due_on", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    lesson_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=ReviewState.WAITING)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LessonView(Base):
    """A lesson a person has seen (answered its quiz or opened it with ``/kiun lesson``)."""

    __tablename__ = "lesson_views"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewSetting(Base):
    """A person's choice about review DMs (``/kiun review off|on``); no row means on."""

    __tablename__ = "review_settings"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
