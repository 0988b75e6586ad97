"""Outbox rows that edit a message posted earlier (``replaces``): order, waiting, superseding, failures."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select, update

from bot.app.core import Core
from bot.chat.address import Address
from bot.chat.reply import Reply
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.delivery.outbox import PermanentDeliveryError, Sender, TransientDeliveryError, enqueue
from bot.models import OutboxMessage
from tests.addresses import as_channel
from tests.unit.test_delivery_outbox import EVERYTHING


class EditingTransport:
    """Records sends and edits; ``failures`` are raised by the next calls, in order."""

    capabilities = EVERYTHING

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls: list[tuple[str, str, str]] = []  # (what, address id or ref, text)

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    def send(self, to: Address, reply: Reply) -> str:
        self._maybe_fail()
        self.calls.append(("send", to.id, reply.text))
        return f"ts-{len(self.calls)}"

    def update(self, to: Address, ref: str, reply: Reply) -> str:
        self._maybe_fail()
        self.calls.append(("update", ref, reply.text))
        return ref


def add(core: Core, key: str, text: str, replaces: str | None = None) -> None:
    with transaction(core.sessions) as session:
        enqueue(session, key, as_channel("C_IDEAS"), Reply(text=text, ephemeral=False), replaces=replaces)


def rows(core: Core) -> dict[str, OutboxMessage]:
    with core.sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxMessage))}


def test_edit_replaces_the_message_posted_by_the_named_row(core: Core) -> None:
    transport = EditingTransport()
    add(core, "post", "v0")
    add(core, "post:r1", "v1", replaces="post")
    assert Sender(core, transport).drain() == 2
    assert transport.calls == [("send", "C_IDEAS", "v0"), ("update", "ts-1", "v1")]
    assert rows(core)["post:r1"].state == "sent" and rows(core)["post:r1"].message_ref == "ts-1"


def test_edit_waits_for_its_message_without_using_an_attempt(core: Core) -> None:
    transport = EditingTransport(TransientDeliveryError("slack: 503"))
    with freeze_time("2026-12-01T00:00:00Z") as clock:
        add(core, "post", "v0")
        add(core, "post:r1", "v1", replaces="post")
        Sender(core, transport).drain()
        row = rows(core)["post:r1"]
        assert (row.state, row.attempts) == ("pending", 0)  # the post failed, so the edit waits
        assert row.next_attempt_at > rows(core)["post"].next_attempt_at
        clock.tick(timedelta(hours=1))
        assert Sender(core, transport).drain() == 2
    assert transport.calls == [("send", "C_IDEAS", "v0"), ("update", "ts-1", "v1")]


def test_older_edits_are_skipped_when_a_newer_one_exists(core: Core) -> None:
    transport = EditingTransport()
    add(core, "post", "v0")
    Sender(core, transport).drain()
    for n in (1, 2, 3):
        add(core, f"post:r{n}", f"v{n}", replaces="post")
    assert Sender(core, transport).drain() == 1
    assert transport.calls[1:] == [("update", "ts-1", "v3")]
    assert {rows(core)[f"post:r{n}"].state for n in (1, 2, 3)} == {"sent"}


def test_a_late_retry_never_shows_an_older_state(core: Core) -> None:
    transport = EditingTransport(TransientDeliveryError("slack: ratelimited"))
    add(core, "post", "v0")
    with transaction(core.sessions) as session:  # posted already
        session.execute(update(OutboxMessage).values(state="sent", message_ref="ts-0"))
    add(core, "post:r1", "v1", replaces="post")
    Sender(core, transport).drain()  # r1 fails and waits for its retry
    add(core, "post:r2", "v2", replaces="post")
    with transaction(core.sessions) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    Sender(core, transport).drain()
    assert transport.calls == [("update", "ts-0", "v2")]


def test_edit_of_a_message_that_never_went_out_fails(core: Core) -> None:
    transport = EditingTransport(PermanentDeliveryError("slack: channel_not_found"))
    add(core, "post", "v0")
    add(core, "post:r1", "v1", replaces="post")
    add(core, "other:r1", "v1", replaces="no-such-key")
    assert Sender(core, transport).drain() == 0
    assert {key: row.state for key, row in rows(core).items()} == {
        "post": "failed",
        "post:r1": "failed",
        "other:r1": "failed",
    }
    assert "was not delivered" in rows(core)["post:r1"].last_error
    assert transport.calls == []


def test_an_edit_left_sending_by_a_crash_is_simply_done_again(core: Core) -> None:
    transport = EditingTransport()
    add(core, "post", "v0")
    Sender(core, transport).drain()
    add(core, "post:r1", "v1", replaces="post")
    with transaction(core.sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "post:r1")
            .values(state="sending", claimed_by="dead", claimed_at=utcnow() - timedelta(hours=1), attempts=1)
        )
    sender = Sender(core, transport)
    assert sender.reconcile() == 1 and rows(core)["post:r1"].state == "pending"
    assert sender.drain() == 1 and transport.calls[-1] == ("update", "ts-1", "v1")
