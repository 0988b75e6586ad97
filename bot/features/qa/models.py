"""ORM models of the document Q&A: documents and their versions, chunks, the lexical index, questions asked and
their ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class QaDocument(Base):
    """One ingested file; ``source`` (its path or upload name) is unique, ``sha256`` detects changes."""

    __tablename__ = "qa_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # pdf, docx, html, md, txt, xlsx
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    added_by: Mapped[str] = mapped_column(String(64), default="")
    # The date the document gives and the word with it (施行, 改定, 改正, 更新, 制定), or its file's ("file").
    dated: Mapped[date | None] = mapped_column(Date, nullable=True)
    dated_by: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QaDocumentVersion(Base):
    """One accepted upload (or ``kiun docs add``) of a document that changed it: who, when, what it held, and the
    file itself so the version can be ingested again (``data`` None: indexed before versions were kept)."""

    __tablename__ = "qa_document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_qa_document_versions_document_id_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("qa_documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per document
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    passages: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a PDF's page count
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class QaChunk(Base):
    """A passage of a document with where it came from (section heading path, PDF page)."""

    __tablename__ = "qa_chunks"
    __table_args__ = (UniqueConstraint("document_id", "ordinal", name="uq_qa_chunks_document_id_ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("qa_documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(500), default="")
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)  # number of index terms (BM25 document length)
    embedding: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)


class QaPosting(Base):
    """The lexical index: how often ``term`` occurs in a chunk (same table and BM25 on SQLite and PostgreSQL)."""

    __tablename__ = "qa_postings"
    __table_args__ = (Index("ix_qa_postings_chunk_id", "chunk_id"), {"sqlite_with_rowid": False})

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("qa_chunks.id", ondelete="CASCADE"), primary_key=True)
    tf: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)  # the chunk's length, here so ranking needs no join


class QaQuestion(Base):
    """The audit log: each question (personal data redacted), how it was answered, and where (for follow-ups)."""

    __tablename__ = "qa_questions"
    __table_args__ = (
        Index("ix_qa_questions_user_id_created_at", "user_id", "created_at"),
        Index("ix_qa_questions_channel_id_thread_ref", "channel_id", "thread_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16), default="")
    channel_id: Mapped[str | None] = mapped_column(String(500), nullable=True)
    thread_ref: Mapped[str | None] = mapped_column(String(500), nullable=True)  # the thread's root message
    question: Mapped[str] = mapped_column(Text)  # redacted
    mode: Mapped[str] = mapped_column(String(16))  # llm | extractive | refused | blocked | unavailable
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QaFeedback(Base):
    """A 👍/👎 on an answer; one per person and question (pressing again changes it)."""

    __tablename__ = "qa_feedback"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_qa_feedback_question_id_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_questions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
