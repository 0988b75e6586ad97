"""Deferred work: a persisted "do this soon" queue for what a person asked for but cannot wait for in the ack
(the monthly report, an answer by DM, a poll's broadcast).

A feature registers a task with :func:`task` and queues it with :func:`defer` (idempotent on its key, in one
committed row), answering the person at once with an acknowledgement. The workers (``kiun serve``, ``kiun
worker``: :class:`Runner` in :class:`bot.app.runtime.Workers`) run due tasks; a task's reply goes through the
outbox to the person by DM, under the task's key. Where the platform asks for it (``Core.deferred_at_once``: the
console, one person and no workers), :func:`defer` runs the task at once and returns its reply instead.

Rows are claimed one at a time like the outbox's (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and a conditional
update everywhere), so several replicas share the queue and never run a task twice at the same time. A failure
is retried with exponential backoff; after the last attempt the row is ``failed`` and the person is told. A row
left ``running`` by a worker that was stopped or crashed is claimed again once its lease runs out, so the work
resumes after a restart; a task may therefore run more than once, and its reply is still delivered once (the
outbox key).
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.chat.address import Address
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.db.session import rowcount, transaction
from bot.db.types import utcnow
from bot.delivery.models import DeferredTask, TaskState
from bot.delivery.outbox import enqueue

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # longer than any task takes (a report: seconds; an LLM answer: under a minute)
MAX_ATTEMPTS = 4
BACKOFF_BASE = 5.0  # seconds before the second attempt; doubles each time

TaskFunc = Callable[[Core, dict[str, Any]], Reply | None]

_TASKS: dict[str, TaskFunc] = {}


def task(name: str) -> Callable[[TaskFunc], TaskFunc]:
    """Register ``func(core, payload) -> Reply | None`` as the task ``name``; the reply goes to ``reply_to``."""

    def register(func: TaskFunc) -> TaskFunc:
        _TASKS[name] = func
        return func

    return register


def tasks() -> dict[str, TaskFunc]:
    """Every registered task by name (the features register theirs when imported: see ``bot.cli``)."""
    return _TASKS


def add(session: Session, name: str, payload: dict[str, Any], *, key: str, reply_to: Address | None = None) -> bool:
    """Queue task ``name`` in the caller's transaction; False (and nothing done) if ``key`` is queued already."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DeferredTask)
        .values(key=key, name=name, payload=payload, reply_to=reply_to)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(DeferredTask.id)
    )
    return session.execute(statement).scalar() is not None


def defer(
    core: Core, name: str, payload: dict[str, Any], *, key: str, ack: Reply, reply_to: Address | None = None
) -> Reply:
    """Queue task ``name`` (committed) and return ``ack``; with ``core.deferred_at_once``, run it now and return
    its reply (``ack`` when it has none)."""
    with transaction(core.sessions) as session:
        add(session, name, payload, key=key, reply_to=reply_to)
    if not core.deferred_at_once:
        return ack
    ran = Runner(core).run_one(key)
    return ran if ran is not None else ack


class Runner:
    """Runs due tasks (see module doc); ``rng`` is injectable so tests control the backoff's jitter."""

    def __init__(
        self,
        core: Core,
        *,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
        poll_interval: float = 1.0,
        on_reply: Callable[[], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.core, self.lease, self.max_attempts, self.poll_interval = core, lease, max_attempts, poll_interval
        self.on_reply = on_reply  # e.g. wake the outbox sender
        self.id = f"{core.worker_id}:{secrets.token_hex(3)}"
        self.rng = rng or random.Random()
        self.tasks = tasks()
        self._stop = threading.Event()
        self._wake = threading.Event()

    def notify(self) -> None:
        """Wake :meth:`run` now (it also polls every ``poll_interval`` seconds)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Run due tasks until ``stop`` is set; the task in flight finishes first, none is started after."""
        self._stop = stop
        while not stop.is_set():
            self._wake.clear()
            try:
                self.run_due()
            except Exception:  # the database is down: log, wait, try again
                log.exception("deferred: running tasks failed; trying again")
            self._wake.wait(self.poll_interval)

    def run_due(self) -> int:
        """Run every task due now, oldest first, until none is left or the runner stops; returns how many ran."""
        ran = 0
        while not self._stop.is_set() and (row := self._claim()) is not None:
            self._execute(row)
            ran += 1
        return ran

    def run_one(self, key: str) -> Reply | None:
        """Run the task ``key`` now if it is due, and return its reply instead of sending it (None: no reply)."""
        row = self._claim(DeferredTask.key == key)
        return None if row is None else self._execute(row, send=False)

    def _due(self) -> ColumnElement[bool]:
        now = utcnow()
        return or_(
            and_(DeferredTask.state == TaskState.PENDING, DeferredTask.next_attempt_at <= now),
            and_(DeferredTask.state == TaskState.RUNNING, DeferredTask.claimed_at < now - self.lease),
        )

    def _claim(self, *where: ColumnElement[bool]) -> DeferredTask | None:
        """Mark the oldest due task ``running`` for this runner (committed) and return it."""
        due = self._due()
        query = select(DeferredTask.id).where(due, *where).order_by(DeferredTask.id).limit(1)
        with self.core.sessions() as session:
            # PostgreSQL skips rows other runners hold; on SQLite the conditional update settles races.
            while (row_id := session.scalar(query.with_for_update(skip_locked=True))) is not None:
                claimed = rowcount(
                    session,
                    update(DeferredTask)
                    .where(DeferredTask.id == row_id, due)
                    .values(
                        state=TaskState.RUNNING,
                        claimed_by=self.id,
                        claimed_at=utcnow(),
                        attempts=DeferredTask.attempts + 1,
                    ),
                )
                if claimed == 1:
                    row = session.get(DeferredTask, row_id, populate_existing=True)
                    session.commit()
                    return row
            session.rollback()
        return None

    def _execute(self, row: DeferredTask, send: bool = True) -> Reply | None:
        """Run a claimed task and record the outcome; its reply goes to the outbox (``send``) or is returned."""
        lang = row.payload.get("lang", self.core.settings.kiun_locale)
        if row.attempts > self.max_attempts:  # it kept stopping its worker: do not try again
            return self._give_up(row, "stopped its worker on every attempt", lang, send)
        try:
            func = self.tasks[row.name]
            reply = func(self.core, row.payload)
        except Exception as exc:  # noqa: BLE001 - retried; the detail goes to the log
            log.exception("deferred: %s failed (attempt %d)", row.key, row.attempts)
            error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= self.max_attempts or not send:
                return self._give_up(row, error, lang, send)
            delay = self._backoff(row.attempts)
            self._finish(
                row, {"state": TaskState.PENDING, "next_attempt_at": utcnow() + timedelta(seconds=delay)}, error
            )
            return None
        self._finish(row, {"state": TaskState.DONE}, None, reply if send else None)
        return reply

    def _give_up(self, row: DeferredTask, error: str, lang: str, send: bool) -> Reply:
        """Mark the task failed; the person gets a polite message (by DM, or returned when not ``send``)."""
        log.warning("deferred: %s failed after %d attempts: %s", row.key, row.attempts, error)
        sorry = Reply(text=t("error.generic", lang))
        self._finish(row, {"state": TaskState.FAILED}, error, sorry if send else None)
        return sorry

    def _finish(self, row: DeferredTask, values: dict[str, Any], error: str | None, reply: Reply | None = None) -> None:
        """Record an outcome (and queue ``reply`` to ``reply_to``), only while the row is still this runner's."""
        values |= {"last_error": error} | (
            {"finished_at": utcnow()} if values["state"] in (TaskState.DONE, TaskState.FAILED) else {}
        )
        with transaction(self.core.sessions) as session:
            updated = rowcount(
                session,
                update(DeferredTask)
                .where(
                    DeferredTask.id == row.id,
                    DeferredTask.state == TaskState.RUNNING,
                    DeferredTask.claimed_by == self.id,
                )
                .values(**values),
            )
            if updated != 1:
                log.warning("deferred: %s was taken over by another runner meanwhile", row.key)
                return
            if reply is not None and row.reply_to:
                enqueue(session, row.key, row.reply_to, reply.model_copy(update={"ephemeral": False}))
        if reply is not None and row.reply_to and self.on_reply is not None:
            self.on_reply()

    def _backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling from BACKOFF_BASE, with equal jitter."""
        delay = BACKOFF_BASE * 2 ** (attempts - 1)
        return float(delay / 2 + self.rng.uniform(0, delay / 2))
