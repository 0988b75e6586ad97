"""The delivery outbox: jobs enqueue messages, a :class:`Sender` drains them to a platform :class:`Transport`.

Enqueueing is idempotent: each message has a unique key (e.g. ``lesson:2026-12-01:C123``), and enqueueing a
key that is already there does nothing, inside the caller's transaction. Each message goes to an
:data:`~bot.chat.address.Address`; the transport resolves it (e.g. Slack opens the DM of a ``User``), after
:func:`~bot.chat.capabilities.fit` has adapted the address and reply to what the platform supports.

Sending records state before and after each platform call:

- before: ``pending`` → ``sending`` with ``claimed_by``, ``claimed_at`` and ``attempts + 1``, committed;
- after: ``sent`` with ``message_ref`` and ``sent_at``; or ``pending`` again with a later ``next_attempt_at``
  (exponential backoff with jitter, never sooner than the platform's ``retry_after``); or ``failed`` after a
  permanent error or the last attempt. ``last_error`` keeps the reason (tokens redacted).

Rows are claimed one at a time right before their call: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, and
everywhere with an update that only succeeds while the row is still ``pending``, so several senders can share
one outbox and never claim the same message.

Crash recovery. A row still ``sending`` after the lease (:data:`LEASE`) belongs to a sender that died between
"before" and "after", so nobody knows whether its message went out. If the transport can tell (a
:class:`CheckedTransport`, e.g. Slack with the key in message metadata), the row becomes ``sent`` or ``pending``
again. Otherwise (a plain :class:`Transport`, or the check answers None) it becomes ``unknown``: it is never
resent automatically and is counted in ``/kiun admin outbox``. Delivery is therefore exactly-once, except for
the one in-flight message of a crashed sender without such a check, which is at-most-once. A transport that
cannot know the outcome of a call (a timeout after the request went out) raises :class:`UncertainDeliveryError`:
that row is ``unknown`` too. A person the platform cannot reach (:class:`UnreachableError`) fails the row at once.

Edits. A row enqueued with ``replaces=<key>`` edits the message posted by the row with that key (e.g. an idea's
channel post when its votes or status change) through the transport's ``update``. It waits while that message
is not sent yet, fails if it never can be, and is skipped when a newer edit of the same message exists, so a
late retry never shows an older state. Edits are idempotent, so a crashed edit is simply tried again.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from pydantic import ValidationError
from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.chat.address import Address
from bot.chat.capabilities import Capabilities, fit
from bot.chat.reply import Reply
from bot.db.session import rowcount
from bot.db.types import utcnow
from bot.delivery.models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# With the backoff below, 16 attempts span at least 3.7 hours (at most 7.4): a Slack outage that long loses nothing.
MAX_ATTEMPTS = 16
BACKOFF_BASE = 10.0  # seconds before the second attempt; doubles each time
BACKOFF_MAX = 3600.0
_SECRET = re.compile(r"\b(xox[a-z]|xapp|sk)-[\w-]+")


class TransientDeliveryError(Exception):
    """The platform could not take the message now (rate limit, 5xx, network); try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The message can never be delivered as it is (e.g. ``channel_not_found``); do not retry."""


class UnreachableError(PermanentDeliveryError):
    """The person cannot get messages from kiun on this platform (e.g. the Teams app is not installed for them);
    such rows are failed with a reason starting ``unreachable:`` and listed for the admin."""


class UncertainDeliveryError(Exception):
    """The platform call may or may not have posted the message (e.g. a timeout after the request went out):
    the row becomes ``unknown``, never resent blindly."""


class Transport(Protocol):
    """Sends one reply to a platform, whose :class:`Capabilities` it declares, or replaces a message it posted
    (``ref`` as returned by ``send``; needed only for outbox rows enqueued with ``replaces``).

    Returns the platform's reference to the posted message. Raises :class:`TransientDeliveryError` or
    :class:`PermanentDeliveryError`; any other exception counts as transient.
    """

    capabilities: Capabilities

    def send(self, to: Address, reply: Reply) -> str: ...

    def update(self, to: Address, ref: str, reply: Reply) -> str: ...


@runtime_checkable
class CheckedTransport(Protocol):
    """A transport that can tell after a crash whether a message went out.

    Its ``send`` also takes the outbox ``key`` and attaches it to the message (Slack: message metadata);
    ``was_delivered`` looks for that key at ``to`` since ``since`` (None: cannot tell).
    """

    capabilities: Capabilities

    def send(self, to: Address, reply: Reply, *, key: str) -> str: ...

    def update(self, to: Address, ref: str, reply: Reply) -> str: ...

    def was_delivered(self, to: Address, key: str, since: datetime) -> bool | None: ...


def enqueue(session: Session, key: str, to: Address, reply: Reply, *, replaces: str | None = None) -> bool:
    """Add a message to ``to`` to the outbox in the caller's transaction; False (and nothing done) if ``key``
    exists. With ``replaces`` (the key of an earlier row), the message that row posted is edited to ``reply``
    instead of a new one being posted.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .values(key=key, address=to, platform=to.platform, payload=reply.model_dump(mode="json"), replaces=replaces)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar() is not None


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up; :meth:`reserve` says how long to wait."""

    def __init__(self, rate: float, capacity: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self.clock = rate, capacity, clock
        self.tokens = capacity
        self.updated = clock()
        self.paused_until = self.updated

    def reserve(self) -> float:
        """Take a token (going into debt if needed) and return the seconds to wait before using it."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate) - 1
        self.updated = now
        return max(-self.tokens / self.rate, self.paused_until - now, 0.0)

    def refund(self) -> None:
        self.tokens = min(self.capacity, self.tokens + 1)

    def pause(self, seconds: float) -> None:
        """Hand out nothing for ``seconds`` (the platform asked us to slow down)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)


class Sender:
    """Drains the outbox to ``transport`` with rate limiting, retries and crash recovery (see module doc).

    With ``platform``, only rows addressed on that platform are claimed (Slack and Teams processes may share one
    database); without, every row. ``clock``, ``sleep`` and ``rng`` are injectable so tests control time; the
    default ``sleep`` returns early when :meth:`run`'s stop event is set.
    """

    def __init__(
        self,
        core: Core,
        transport: Transport | CheckedTransport,
        rate_per_second: float | None = None,
        batch_size: int = 100,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        lease: timedelta = LEASE,
        poll_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        rng: random.Random | None = None,
        platform: str | None = None,
    ) -> None:
        self.core, self.transport, self.platform = core, transport, platform
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.lease = lease
        self.poll_interval = poll_interval
        self.bucket = TokenBucket(rate_per_second or core.settings.kiun_send_rate, clock=clock)
        self.id = f"{core.worker_id}:{secrets.token_hex(3)}"
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._sleep = sleep or (lambda seconds: self._stop.wait(seconds))

    def notify(self) -> None:
        """Wake :meth:`run` now (e.g. after enqueueing, or to make it notice its stop event)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; the message in flight is finished and recorded before returning."""
        self._stop = stop
        while not stop.is_set():
            self._wake.clear()
            try:
                self.reconcile()
                busy = self._drain(self.batch_size)[0] == self.batch_size
            except Exception:  # the database or platform is down: log, wait, try again
                log.exception("outbox: sending failed; trying again")
                busy = False
            if not busy:
                self._wake.wait(self.poll_interval)

    def drain(self, max_messages: int | None = None) -> int:
        """Send messages that are due now, oldest first; returns how many were sent."""
        return self._drain(max_messages)[1]

    def _drain(self, max_messages: int | None) -> tuple[int, int]:
        """Like :meth:`drain`; returns (messages attempted, messages sent)."""
        attempted = sent = 0
        while (max_messages is None or attempted < max_messages) and not self._stop.is_set():
            wait = self.bucket.reserve()
            if wait and self._next_due() is not None:
                self._sleep(wait)
            row = None if self._stop.is_set() else self._claim()
            if row is None:
                self.bucket.refund()
                break
            attempted += 1
            sent += self._deliver(row)
        return attempted, sent

    def reconcile(self) -> int:
        """Settle rows left ``sending`` longer than the lease by a sender that died; returns how many."""
        now = utcnow()
        with self.core.sessions() as session:
            query = select(OutboxMessage).where(
                OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at < now - self.lease
            )
            if self.platform is not None:
                query = query.where(OutboxMessage.platform == self.platform)
            stale = session.scalars(query).all()
        settled = 0
        for row in stale:
            try:
                delivered = None
                if isinstance(self.transport, CheckedTransport) and not row.replaces and row.claimed_at:
                    delivered = self.transport.was_delivered(row.address, row.key, row.claimed_at)
            except Exception:  # cannot tell now; the next round asks again
                log.exception("outbox: delivery check failed for %s", row.key)
                continue
            if row.replaces:  # an edit: doing it again is harmless
                values = {"state": OutboxState.PENDING, "next_attempt_at": now}
            elif delivered is True:
                values = {"state": OutboxState.SENT, "sent_at": now}
            elif delivered is False:
                values = {"state": OutboxState.PENDING, "next_attempt_at": now}
            else:
                values = {
                    "state": OutboxState.UNKNOWN,
                    "last_error": "sender stopped during the call; delivery unknown",
                }
            if self._finish(row, values, claimed_by=row.claimed_by):
                settled += 1
                log.warning("outbox: %s was left sending by %s; now %s", row.key, row.claimed_by, values["state"])
        return settled

    def _due(self, now: datetime) -> Select[int]:
        """The id of the oldest message (of this sender's platform) due at ``now``."""
        due = select(OutboxMessage.id).where(
            OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now
        )
        if self.platform is not None:
            due = due.where(OutboxMessage.platform == self.platform)
        return due.order_by(OutboxMessage.id).limit(1)

    def _next_due(self) -> int | None:
        with self.core.sessions() as session:
            return session.scalar(self._due(utcnow()))

    def _claim(self) -> OutboxMessage | None:
        """Mark the oldest due message ``sending`` for this sender (committed) and return it."""
        now = utcnow()
        # PostgreSQL skips rows other senders hold; on SQLite the conditional update settles races.
        due = self._due(now).with_for_update(skip_locked=True)
        with self.core.sessions() as session:
            while (row_id := session.scalar(due)) is not None:
                claimed = rowcount(
                    session,
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.state == OutboxState.PENDING)
                    .values(
                        state=OutboxState.SENDING,
                        claimed_by=self.id,
                        claimed_at=now,
                        attempts=OutboxMessage.attempts + 1,
                    ),
                )
                if claimed == 1:
                    row = session.get(OutboxMessage, row_id, populate_existing=True)
                    session.commit()
                    return row
            session.rollback()
        return None

    def _deliver(self, row: OutboxMessage) -> int:
        """Call the transport for a claimed row and record the outcome; 1 if it was sent."""
        try:
            reply = Reply.model_validate(row.payload)
        except ValidationError as exc:
            return self._fail(row, f"invalid payload: {exc.error_count()} errors")
        to, reply = fit(row.address, reply, self.transport.capabilities, self.core.settings.kiun_locale)
        target: str | None = None
        if row.replaces:
            edit = self._edit_target(row)
            if not isinstance(edit, str):
                return edit
            target = edit
        try:
            if target is not None:
                ref = self.transport.update(to, target, reply)
            elif isinstance(self.transport, CheckedTransport):
                ref = self.transport.send(to, reply, key=row.key)
            else:
                ref = self.transport.send(to, reply)
        except UnreachableError as exc:
            return self._fail(row, f"{UNREACHABLE} {exc}"[:500])
        except PermanentDeliveryError as exc:
            return self._fail(row, _describe(exc))
        except UncertainDeliveryError as exc:
            log.warning("outbox: %s may or may not have been posted (%s); marked unknown", row.key, exc)
            self._finish(row, {"state": OutboxState.UNKNOWN, "last_error": _describe(exc)})
            return 0
        except Exception as exc:  # noqa: BLE001 - anything else is worth another try
            retry_after = exc.retry_after if isinstance(exc, TransientDeliveryError) else None
            if retry_after:
                self.bucket.pause(retry_after)
            if row.attempts >= self.max_attempts:
                return self._fail(row, _describe(exc))
            delay = max(self._backoff(row.attempts), retry_after or 0.0)
            unexpected = not isinstance(exc, TransientDeliveryError)
            log.warning("outbox: %s not sent; retrying in %.0f s", row.key, delay, exc_info=unexpected)
            values = {"state": OutboxState.PENDING, "next_attempt_at": utcnow() + timedelta(seconds=delay)}
            self._finish(row, values | {"last_error": _describe(exc)})
            return 0
        self._finish(
            row, {"state": OutboxState.SENT, "message_ref": str(ref)[:500], "sent_at": utcnow(), "last_error": None}
        )
        return 1

    def _edit_target(self, row: OutboxMessage) -> str | int:
        """The ref of the message an edit row replaces, or the row's outcome (0) when it cannot be edited now."""
        with self.core.sessions() as session:
            original = session.scalar(select(OutboxMessage).where(OutboxMessage.key == row.replaces))
            newer = session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.replaces == row.replaces,
                    OutboxMessage.id > row.id,
                    OutboxMessage.state != OutboxState.FAILED,
                )
                .limit(1)
            )
        if newer is not None:
            log.debug("outbox: %s is superseded by a newer edit", row.key)
            self._finish(
                row, {"state": OutboxState.SENT, "sent_at": utcnow(), "last_error": "superseded by a newer edit"}
            )
            return 0
        if original is not None and original.state == OutboxState.SENT and original.message_ref:
            return original.message_ref
        if original is not None and original.state in (OutboxState.PENDING, OutboxState.SENDING):
            # not posted yet: wait for it without using up an attempt
            later = max(utcnow(), original.next_attempt_at) + timedelta(seconds=BACKOFF_BASE)
            self._finish(row, {"state": OutboxState.PENDING, "next_attempt_at": later, "attempts": row.attempts - 1})
            return 0
        return self._fail(row, f"the message to edit ({row.replaces}) was not delivered")

    def _fail(self, row: OutboxMessage, error: str) -> int:
        """Give up on a message; returns 0 (not sent)."""
        log.warning("outbox: %s failed after %d attempts: %s", row.key, row.attempts, error)
        self._finish(row, {"state": OutboxState.FAILED, "last_error": error})
        return 0

    def _backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling from BACKOFF_BASE, capped, with equal jitter."""
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** (attempts - 1))
        return delay / 2 + self.rng.uniform(0, delay / 2)

    def _finish(self, row: OutboxMessage, values: dict[str, object], claimed_by: str | None = None) -> int:
        """Record an outcome, only if the row is still ``sending`` under the expected claim."""
        with self.core.sessions() as session, session.begin():
            settled = rowcount(
                session,
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.state == OutboxState.SENDING,
                    OutboxMessage.claimed_by == (claimed_by or self.id),
                )
                .values(**values),
            )
        if settled != 1:
            log.warning("outbox: %s was settled by someone else meanwhile", row.key)
        return settled


def _describe(exc: Exception) -> str:
    """An error for ``last_error``: type and message, tokens redacted, bounded."""
    return _SECRET.sub(r"\1-…", f"{type(exc).__name__}: {exc}")[:500]


UNREACHABLE = "unreachable:"


def unreachable(session: Session, key_prefix: str = "") -> list[str]:
    """The ids of the people whose messages failed because the platform cannot reach them (e.g. the Teams app is
    not installed for them), optionally only for outbox keys starting with ``key_prefix`` (``poll:7:``)."""
    rows = session.scalars(
        select(OutboxMessage.address).where(
            OutboxMessage.state == OutboxState.FAILED,
            OutboxMessage.last_error.startswith(UNREACHABLE),
            OutboxMessage.key.startswith(key_prefix),
        )
    ).all()
    return sorted({address.id for address in rows if address.kind == "user"})
