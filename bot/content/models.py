"""Tables of the city's content: uploaded files, versions of each content item, and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class ContentUpload(Base):
    """A file an admin sent in chat, kept until it is handled (the deferred work and the kind buttons read it)."""

    __tablename__ = "content_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16), default="")
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="")  # chosen kind; "" while kiun asks
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContentVersion(Base):
    """One version of a content item (``kind`` + ``key``: a lesson id, a fact id, a poll id, a data file name,
    ``curriculum`` or ``synonyms``). ``body`` None is a revert to the bundled file (or, for the city's own item,
    its removal). The newest published version (by ``published_at``) is the one served."""

    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "number", name="uq_content_versions_kind_key_number"),
        Index("ix_content_versions_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | discarded
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ContentLog(Base):
    """The audit log (``kiun content log``): who uploaded, published, discarded, reverted, imported or removed
    what, and when."""

    __tablename__ = "content_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # upload publish discard revert import add remove refuse
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(300))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
