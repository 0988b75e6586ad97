"""The delivery outbox on a real database: idempotent enqueue, sending, retries, failures, crash recovery."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.address import Address
from bot.chat.capabilities import Capabilities
from bot.chat.reply import Button, Image, Reply, Section
from bot.chat.request import Request
from bot.db.session import transaction
from bot.delivery.outbox import LEASE, PermanentDeliveryError, Sender, TokenBucket, TransientDeliveryError, enqueue
from bot.features import build_router
from bot.models import CalendarOverride, OutboxMessage
from tests.addresses import as_channel, as_user

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


@pytest.fixture
def frozen() -> Iterator[None]:
    """The whole test in frozen time from T0 (rows enqueued then), so it never mixes with the wall clock;
    ``freeze_time`` inside the test moves the clock on."""
    with freeze_time(T0):
        yield


class Crash(BaseException):
    """The process dying in the middle of a platform call (not an error the sender could handle)."""


EVERYTHING = Capabilities(
    ephemeral=True, home_view=True, modal_form=True, threads=True, file_upload=True, message_update=True
)
LESSONS = as_channel("C_LESSONS")


class RecordingTransport:
    """A plain transport: records what it sends; ``failures`` are raised by the next calls, in order."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str, str]] = []  # (address id, text)
        self.replies: list[Reply] = []
        self.calls = 0
        self.lock = threading.Lock()

    capabilities = EVERYTHING

    def send(self, to: Address, reply: Reply) -> str:
        with self.lock:
            self.calls += 1
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((to.id, reply.text))
            self.replies.append(reply)
            return f"ts-{len(self.sent)}"


class CheckingTransport:
    """A transport that tags messages with their key and can later say whether a key was posted."""

    def __init__(self, crash_after_post: bool = False, crash_before_post: bool = False) -> None:
        self.crash_after_post, self.crash_before_post = crash_after_post, crash_before_post
        self.posted: list[str] = []
        self.checks: list[tuple[str, str]] = []

    capabilities = EVERYTHING

    def send(self, to: Address, reply: Reply, *, key: str) -> str:
        if self.crash_before_post:
            raise Crash
        self.posted.append(key)
        if self.crash_after_post:
            raise Crash
        return f"ts-{key}"

    def update(self, to: Address, ref: str, reply: Reply) -> str:
        return ref

    def was_delivered(self, to: Address, key: str, since: datetime) -> bool | None:
        self.checks.append((to.id, key))
        return key in self.posted


class UnsureTransport(CheckingTransport):
    def was_delivered(self, to: Address, key: str, since: datetime) -> bool | None:
        return None


class FakeTime:
    """A monotonic clock that only moves when the sender sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make_sender(core: Core, transport, rate: float = 1000.0, **kwargs) -> Sender:
    fake = kwargs.pop("fake_time", None) or FakeTime()
    return Sender(core, transport, rate, clock=fake.clock, sleep=fake.sleep, rng=random.Random(7), **kwargs)


def add(core: Core, *keys: str, to: Address = LESSONS) -> None:
    with transaction(core.sessions) as session:
        for key in keys:
            assert enqueue(session, key, to, Reply(text=f"message {key}", ephemeral=False))


def rows(core: Core) -> dict[str, OutboxMessage]:
    with core.sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def test_enqueue_is_idempotent_and_keeps_the_callers_transaction(core: Core) -> None:
    with transaction(core.sessions) as session:
        session.add(CalendarOverride(day=T0.date(), note="before"))
        assert enqueue(session, "lesson:1", as_channel("C1"), Reply(text="first"))
        assert not enqueue(session, "lesson:1", as_channel("C2"), Reply(text="second"))
        session.add(CalendarOverride(day=T0.date() + timedelta(days=1), note="after"))
        assert enqueue(session, "lesson:2", as_channel("C1"), Reply(text="other"))
    with transaction(core.sessions) as session:
        assert not enqueue(session, "lesson:1", as_channel("C3"), Reply(text="third"))
    with core.sessions() as session:
        assert len(session.scalars(select(CalendarOverride)).all()) == 2
    stored = rows(core)
    assert list(stored) == ["lesson:1", "lesson:2"]
    assert (stored["lesson:1"].address, stored["lesson:1"].payload["text"]) == (as_channel("C1"), "first")
    assert stored["lesson:1"].state == "pending"


def test_enqueue_rolls_back_with_the_caller(core: Core) -> None:
    with pytest.raises(RuntimeError), transaction(core.sessions) as session:
        enqueue(session, "lesson:1", as_channel("C1"), Reply(text="first"))
        raise RuntimeError("the job failed after enqueueing")
    assert rows(core) == {}


@pytest.mark.usefixtures("frozen")
def test_drain_sends_in_order_and_records_the_reference(core: Core) -> None:
    add(core, "a", "b", "c")
    add(core, "dm", to=as_user("U_STAFF"))
    transport = RecordingTransport()
    sender = make_sender(core, transport)
    with freeze_time(T0):
        assert sender.drain() == 4
    assert transport.sent == [
        ("C_LESSONS", "message a"),
        ("C_LESSONS", "message b"),
        ("C_LESSONS", "message c"),
        ("U_STAFF", "message dm"),
    ]
    for index, row in enumerate(rows(core).values(), start=1):
        assert (row.state, row.message_ref, row.attempts) == ("sent", f"ts-{index}", 1)
        assert row.sent_at == T0 and row.claimed_by == sender.id
    assert sender.drain() == 0
    assert transport.calls == 4


def test_drain_respects_max_messages(core: Core) -> None:
    add(core, *[f"k{i}" for i in range(5)])
    transport = RecordingTransport()
    assert make_sender(core, transport).drain(max_messages=2) == 2
    assert [state.state for state in rows(core).values()] == ["sent", "sent", "pending", "pending", "pending"]


def test_reply_with_image_and_buttons_survives_the_outbox(core: Core) -> None:
    png = bytes(range(256)) * 4
    reply = Reply(
        text="週次レポート",
        sections=[Section(text="本文", buttons=[Button(label="見る", action_id="report_open", value="42")])],
        image=Image(title="参加状況", alt_text="部署別の参加率", data=png),
        ephemeral=False,
    )
    with transaction(core.sessions) as session:
        enqueue(session, "report:1", as_channel("C1"), reply)
    transport = RecordingTransport()
    make_sender(core, transport).drain()
    assert transport.replies == [reply]
    assert transport.replies[0].image.data == png


@pytest.mark.usefixtures("frozen")
def test_transient_error_is_retried_later_with_backoff(core: Core) -> None:
    add(core, "a")
    transport = RecordingTransport(TransientDeliveryError("internal_error"))
    sender = make_sender(core, transport)
    with freeze_time(T0):
        assert sender.drain() == 0
    row = rows(core)["a"]
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "TransientDeliveryError: internal_error")
    assert T0 + timedelta(seconds=5) <= row.next_attempt_at <= T0 + timedelta(seconds=10)
    with freeze_time(row.next_attempt_at - timedelta(seconds=1)):
        assert sender.drain() == 0
    assert transport.calls == 1
    with freeze_time(row.next_attempt_at):
        assert sender.drain() == 1
    row = rows(core)["a"]
    assert (row.state, row.attempts, row.last_error, row.message_ref) == ("sent", 2, None, "ts-1")


@pytest.mark.usefixtures("frozen")
def test_backoff_doubles_with_each_attempt(core: Core) -> None:
    add(core, "a")
    transport = RecordingTransport(*[TransientDeliveryError("busy") for _ in range(4)])
    sender = make_sender(core, transport)
    now, delays = T0, []
    for _ in range(4):
        with freeze_time(now):
            sender.drain()
        due = rows(core)["a"].next_attempt_at
        delays.append((due - now).total_seconds())
        now = due
    for attempt, delay in enumerate(delays, start=1):
        full = 10 * 2 ** (attempt - 1)
        assert full / 2 <= delay <= full, (attempt, delays)


@pytest.mark.usefixtures("frozen")
def test_unexpected_exceptions_count_as_transient(core: Core) -> None:
    add(core, "a")
    transport = RecordingTransport(ConnectionResetError("peer went away"))
    sender = make_sender(core, transport)
    with freeze_time(T0):
        sender.drain()
    assert rows(core)["a"].state == "pending"
    with freeze_time(T0 + timedelta(minutes=1)):
        assert sender.drain() == 1


@pytest.mark.usefixtures("frozen")
def test_retry_after_is_honoured_for_the_message_and_the_sender(core: Core) -> None:
    add(core, "a", "b")
    fake = FakeTime()
    transport = RecordingTransport(TransientDeliveryError("ratelimited", retry_after=120))
    sender = make_sender(core, transport, fake_time=fake)
    with freeze_time(T0):
        assert sender.drain() == 1  # "b", after waiting out the platform's pause
    assert sum(fake.slept) >= 120
    row = rows(core)["a"]
    assert row.state == "pending" and row.next_attempt_at >= T0 + timedelta(seconds=120)
    assert transport.sent == [("C_LESSONS", "message b")]
    with freeze_time(T0 + timedelta(seconds=119)):
        assert sender.drain() == 0
    with freeze_time(T0 + timedelta(seconds=121)):
        assert sender.drain() == 1


@pytest.mark.usefixtures("frozen")
def test_permanent_error_fails_without_retry(core: Core) -> None:
    add(core, "a", "b")
    transport = RecordingTransport(PermanentDeliveryError("channel_not_found"))
    sender = make_sender(core, transport)
    with freeze_time(T0):
        assert sender.drain() == 1
    with freeze_time(T0 + timedelta(days=1)):
        assert sender.drain() == 0
    row = rows(core)["a"]
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "PermanentDeliveryError: channel_not_found")
    assert transport.calls == 2


@pytest.mark.usefixtures("frozen")
def test_gives_up_after_max_attempts(core: Core) -> None:
    add(core, "a")
    transport = RecordingTransport(*[TransientDeliveryError("service_unavailable") for _ in range(10)])
    sender = make_sender(core, transport, max_attempts=3)
    for hours in range(5):
        with freeze_time(T0 + timedelta(hours=hours)):
            sender.drain()
    row = rows(core)["a"]
    assert (row.state, row.attempts, transport.calls) == ("failed", 3, 3)
    assert "service_unavailable" in row.last_error


def test_last_error_never_keeps_a_token(core: Core) -> None:
    add(core, "a")
    transport = RecordingTransport(PermanentDeliveryError("invalid_auth for xoxb-1234-5678-abcdEFGH"))
    make_sender(core, transport).drain()
    error = rows(core)["a"].last_error
    assert "invalid_auth" in error and "1234" not in error


def test_invalid_payload_fails_without_calling_the_transport(core: Core) -> None:
    add(core, "a")
    with transaction(core.sessions) as session:
        session.scalar(select(OutboxMessage)).payload = {"sections": "not a list"}
    transport = RecordingTransport()
    make_sender(core, transport).drain()
    assert rows(core)["a"].state == "failed"
    assert transport.calls == 0


def test_rate_limit_spaces_out_sends() -> None:
    fake = FakeTime()
    bucket = TokenBucket(5.0, clock=fake.clock)
    for _ in range(11):
        fake.sleep(bucket.reserve())
    assert sum(fake.slept) == pytest.approx(2.0)
    fake.now += 10  # idle time saves up at most one token
    assert bucket.reserve() == 0
    assert bucket.reserve() == pytest.approx(0.2)


@pytest.mark.usefixtures("frozen")
def test_drain_is_rate_limited(core: Core) -> None:
    add(core, *[f"k{i}" for i in range(11)])
    fake = FakeTime()
    assert make_sender(core, RecordingTransport(), rate=5.0, fake_time=fake).drain() == 11
    assert sum(fake.slept) == pytest.approx(2.0)


def restart(core: Core, transport, after: timedelta) -> Sender:
    """A new sender process some time after the crash: reconcile, then drain."""
    sender = make_sender(core, transport)
    with freeze_time(T0 + after):
        sender.reconcile()
        sender.drain()
    return sender


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize(("posted_before_crash", "posted_after_restart"), [(True, ["c"]), (False, ["c", "b"])])
def test_restart_after_crash_with_delivery_check(
    core: Core, posted_before_crash: bool, posted_after_restart: list[str]
) -> None:
    add(core, "a", "b", "c")
    dying = CheckingTransport()
    sender = make_sender(core, dying)
    with freeze_time(T0):
        assert sender.drain(max_messages=1) == 1
        dying.crash_after_post, dying.crash_before_post = posted_before_crash, not posted_before_crash
        with pytest.raises(Crash):
            sender.drain()
    assert {key: row.state for key, row in rows(core).items()} == {"a": "sent", "b": "sending", "c": "pending"}

    # The new process talks to the same platform, which remembers what was posted.
    revived = CheckingTransport()
    revived.posted = list(dying.posted)
    restart(core, revived, after=LEASE / 2)  # within the lease "b" is left alone; "c" goes out
    assert rows(core)["b"].state == "sending" and revived.checks == []
    restart(core, revived, after=LEASE + timedelta(seconds=1))
    assert revived.checks == [("C_LESSONS", "b")]
    assert revived.posted[len(dying.posted) :] == posted_after_restart
    assert Counter(revived.posted) == {"a": 1, "b": 1, "c": 1}
    assert {row.state for row in rows(core).values()} == {"sent"}


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("transport_kind", ["plain", "unsure"])
def test_restart_after_crash_without_an_answer_marks_unknown(core: Core, transport_kind: str) -> None:
    add(core, "a", "b")
    dying = RecordingTransport(Crash())
    with freeze_time(T0), pytest.raises(Crash):
        make_sender(core, dying).drain()
    revived = RecordingTransport() if transport_kind == "plain" else UnsureTransport()
    sender = make_sender(core, revived)
    with freeze_time(T0 + LEASE + timedelta(seconds=1)):
        assert sender.reconcile() == 1
        sender.drain()
    with freeze_time(T0 + timedelta(days=2)):
        assert sender.reconcile() == 0
        assert sender.drain() == 0
    stored = rows(core)
    assert (stored["a"].state, stored["b"].state) == ("unknown", "sent")
    sent_keys = revived.posted if transport_kind == "unsure" else [text for _, text in revived.sent]
    assert sent_keys == (["b"] if transport_kind == "unsure" else ["message b"])
    reply = build_router().dispatch(
        core, Request(as_user("U_ADMIN"), kind="command", command="kiun", text="admin outbox", is_admin=True)
    )
    assert "送信不明 1件" in reply.text and "送信済み 1件" in reply.text
    assert any("自動では再送しません" in section.text for section in reply.sections)


def test_a_live_senders_in_flight_message_is_not_settled_by_another(core: Core) -> None:
    add(core, "a")
    started, release = threading.Event(), threading.Event()

    class SlowTransport(RecordingTransport):
        def send(self, to: Address, reply: Reply) -> str:
            started.set()
            release.wait(10)
            return super().send(to, reply)

    slow = SlowTransport()
    worker = threading.Thread(target=make_sender(core, slow).drain)
    worker.start()
    assert started.wait(10)
    other = make_sender(core, RecordingTransport())
    assert other.reconcile() == 0 and other.drain() == 0
    release.set()
    worker.join(10)
    assert rows(core)["a"].state == "sent" and slow.calls == 1


def test_two_senders_share_the_outbox_and_send_each_message_once(core: Core) -> None:
    keys = [f"poll:{i:03d}" for i in range(200)]
    add(core, *keys)
    transport = RecordingTransport()
    senders = [make_sender(core, transport), make_sender(core, transport)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain(sender: Sender) -> None:
        try:
            barrier.wait(10)
            sender.drain()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    counts = Counter(text for _, text in transport.sent)
    assert counts == Counter(f"message {key}" for key in keys)
    stored = rows(core)
    assert all(row.state == "sent" and row.attempts == 1 for row in stored.values())
    assert {row.claimed_by for row in stored.values()} <= {sender.id for sender in senders}


def test_run_loop_sends_on_notify_and_stops_promptly(core: Core) -> None:
    sent, release = threading.Event(), threading.Event()

    class BlockingTransport(RecordingTransport):
        def send(self, to: Address, reply: Reply) -> str:
            ref = super().send(to, reply)
            sent.set()
            release.wait(10)  # still in flight when the stop arrives
            return ref

    transport = BlockingTransport()
    sender = Sender(core, transport, 1000.0, poll_interval=30)
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    add(core, "a", "b")
    sender.notify()
    assert sent.wait(10)
    stop.set()
    sender.notify()
    release.set()
    thread.join(10)
    assert not thread.is_alive()
    states = {key: row.state for key, row in rows(core).items()}
    assert states == {"a": "sent", "b": "pending"}
