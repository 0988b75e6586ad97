"""Deliver a pulse poll to 1,000 members through the Slack stand-in while it misbehaves.

The stand-in answers ``chat.postMessage`` with 429 (``Retry-After: 1``) on every 20th call and 503 on a seeded 2%
of the others. kiun's real path runs: ``open_run`` lists the channel's members (``conversations.members``,
paginated, and ``users.info`` for each), enqueues one DM per member in the outbox, and ``--senders`` outbox
senders (threads sharing the outbox, as several workers would) deliver them with the real WebClient (which waits
``Retry-After`` on 429 and retries 5xx) and the outbox's own retries. Then every member's DM is counted:
delivered (exactly one poll), duplicate (extra copies) and lost (none). Goal: 1,000 / 0 / 0.

    python benchmarks/broadcast.py [--members 1000] [--senders 4] [--rate 50]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bot.app.config import load_settings  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.delivery.outbox import Sender  # noqa: E402
from bot.features.polls.runs import open_run  # noqa: E402
from bot.features.polls.templates import get_template  # noqa: E402
from bot.models import OutboxMessage  # noqa: E402
from bot.platforms.slack.client import make_client  # noqa: E402
from bot.platforms.slack.directory import SlackDirectory  # noqa: E402
from bot.platforms.slack.transport import SlackTransport  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402


def outbox_states(core: Core) -> dict[str, int]:
    with core.sessions() as session:
        return dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=4, help="outbox senders sharing the outbox (threads)")
    parser.add_argument("--rate", type=float, default=50.0, help="KIUN_SEND_RATE: messages a second per sender")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    fake = FakeSlackAPI().start()
    members = [f"U{n:05d}" for n in range(1, args.members + 1)]
    fake.members = [*members, "UBOT00001"]
    fake.users = {"UBOT00001": {"id": "UBOT00001", "is_bot": True}}
    pattern = fake.fail_pattern("chat.postMessage", every=20, retry_after=1, ratio=0.02, status=503, seed=7)
    folder = tempfile.mkdtemp(prefix="kiun-bench-")
    url = f"sqlite:///{folder}/kiun.db"
    upgrade(url)
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_API_URL=fake.api_url,
        KIUN_SECRET_KEY="benchmark-secret-key",
        KIUN_POLL_CHANNEL="C_POLLS",
        KIUN_SEND_RATE=str(args.rate),
    )
    core = Core.create(settings)
    core.directory = SlackDirectory(make_client(settings))

    started = time.perf_counter()
    run = open_run(core, get_template("dx-momentum"), core.local_now().date())
    enqueued = time.perf_counter()

    stop = threading.Event()
    senders = [Sender(core, SlackTransport(make_client(settings))) for _ in range(args.senders)]
    threads = [threading.Thread(target=sender.run, args=(stop,), daemon=True) for sender in senders]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        states = outbox_states(core)
        if not states.get("pending") and not states.get("sending"):
            break
        time.sleep(0.2)
    stop.set()
    for sender in senders:
        sender.notify()
    for thread in threads:
        thread.join(30)
    finished = time.perf_counter()

    copies = [
        sum(1 for m in fake.messages.get(f"D{user}", []) if f"poll:{run.id}:" in str(m.get("metadata")))
        for user in members
    ]
    delivered = sum(1 for count in copies if count >= 1)
    duplicate = sum(count - 1 for count in copies if count > 1)
    lost = sum(1 for count in copies if count == 0)
    posts = len(fake.calls_to("chat.postMessage"))
    rows = [
        ("members (bots skipped)", f"{args.members} (+1 bot)"),
        ("senders x rate", f"{args.senders} x {args.rate:g}/s"),
        ("list members + enqueue", f"{enqueued - started:.1f} s"),
        ("deliver", f"{finished - enqueued:.1f} s"),
        ("total", f"{finished - started:.1f} s"),
        ("chat.postMessage calls", str(posts)),
        ("answered 429 / 503", f"{pattern.counts.get(429, 0)} / {pattern.counts.get(503, 0)}"),
        ("outbox states", ", ".join(f"{k} {v}" for k, v in sorted(outbox_states(core).items()))),
        ("delivered / duplicate / lost", f"{delivered} / {duplicate} / {lost}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'broadcast of a pulse poll':<{width}} | result")
    print(f"{'-' * width}-|-------")
    for name, value in rows:
        print(f"{name:<{width}} | {value}")
    fake.stop()
    core.close()
    return 0 if (delivered, duplicate, lost) == (args.members, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
