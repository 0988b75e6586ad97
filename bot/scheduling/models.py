"""Tables of the scheduler: schedules, job runs (one per occurrence) and the admins' calendar overrides."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class Schedule(Base):
    """A cron-like schedule an admin can edit; rebuilt into an APScheduler job at start and on change."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    job: Mapped[str] = mapped_column(String(64))
    cron: Mapped[str] = mapped_column(String(120))
    business_days_only: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    MISSED = "missed"  # kiun was down past the catch-up grace
    SKIPPED = "skipped"  # never stored: the occurrence was taken by another worker or the schedule is gone


class JobRun(Base):
    """One firing of a schedule; the row is inserted before any work, so one replica wins each occurrence."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("schedule", "occurrence", name="uq_job_runs_schedule_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule: Mapped[str] = mapped_column(String(64))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=JobState.RUNNING)
    worker: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CalendarOverride(Base):
    """An admin's decision about one day: closed (e.g. a city event) or open (e.g. an election Sunday)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
