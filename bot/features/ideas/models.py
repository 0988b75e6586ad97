"""ORM models of improvement ideas: ideas, votes, thread comments, the status audit log, drafts, champions.

An anonymous idea still stores its proposer (``proposer_id``) so the bot can notify them; no reply, list or
export ever shows it (see bot.features.ideas).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class IdeaStatus(StrEnum):
    """Where an idea is in the DX office's workflow (transitions in bot.features.ideas.rules)."""

    RECEIVED = "received"
    REVIEWING = "reviewing"
    ADOPTED = "adopted"
    PARTIAL = "partial"
    REJECTED = "rejected"
    RETURNED = "returned"
    DONE = "done"


class Idea(Base):
    """One proposal; ``id`` is its public number (#12)."""

    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposer_id: Mapped[str] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text, default="")
    hours_saved: Mapped[int | None] = mapped_column(Integer, nullable=True)  # per month, as the proposer estimates
    department: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(32), default="other")
    status: Mapped[str] = mapped_column(String(16), default=IdeaStatus.RECEIVED)
    effect_note: Mapped[str] = mapped_column(Text, default="")  # what it achieved, noted when done
    search_text: Mapped[str] = mapped_column(Text, default="")  # normalised title and body, for search
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)  # same person + same text = same idea
    post_ref: Mapped[str | None] = mapped_column(String(500), nullable=True, index=True)  # the channel post
    revision: Mapped[int] = mapped_column(Integer, default=0)  # bumped on each change of the channel post
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaVote(Base):
    """One person's vote for one idea (a database constraint: one vote per person and idea)."""

    __tablename__ = "idea_votes"
    __table_args__ = (UniqueConstraint("idea_id", "user_id", name="uq_idea_votes_idea_id_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaComment(Base):
    """A reply in the thread of an idea's channel post (stored as typed; shown as literal text)."""

    __tablename__ = "idea_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaEvent(Base):
    """The audit log: who moved which idea from which status to which, when, and why."""

    __tablename__ = "idea_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IdeaDraft(Base):
    """An idea held back while its proposer looks at similar ones; ``idea_id`` is set once it is submitted."""

    __tablename__ = "idea_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Champion(Base):
    """A department's DX champion (DX推進リーダー): may move that department's ideas through the workflow."""

    __tablename__ = "champions"
    __table_args__ = (UniqueConstraint("user_id", "department", name="uq_champions_user_id_department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
