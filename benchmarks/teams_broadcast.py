"""Deliver a pulse poll to 1,000 Teams roster members through the Bot Connector stand-in while it misbehaves.

The stand-in answers every 20th call with 429 (``Retry-After: 1``) and a seeded 2% of the others with 502/504.
kiun's real path runs: ``open_run`` reads the poll channel's roster (``pagedmembers``, 500 a page, each member
stored as a reference), enqueues one DM per member, and ``--senders`` outbox senders sharing one Teams transport
(its per-conversation and per-tenant pace) open each person's 1:1 chat (``POST /v3/conversations``) and post the
poll card, with the outbox's retries (never sooner than ``Retry-After``). The bot's token comes from the Entra ID
stand-in over TLS. Then every member's 1:1 chat is counted: delivered (exactly one poll), duplicate (extra
copies) and lost (none), and the time is set against the floor Teams' limits allow (50 messages a second per app
and tenant; kiun's sender paces itself at 40). Goal: 1,000 / 0 / 0.

    python benchmarks/teams_broadcast.py [--members 1000] [--senders 2] [--rate 40]
"""

from __future__ import annotations

import argparse
import logging
import os
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
from bot.platforms.teams.connector import Connector  # noqa: E402
from bot.platforms.teams.references import Seen, remember  # noqa: E402
from bot.platforms.teams.server import wire  # noqa: E402
from bot.platforms.teams.transport import PER_TENANT_PER_SECOND, PLATFORM  # noqa: E402
from tests.fakes.teams_connector import FakeConnector  # noqa: E402
from tests.fakes.teams_login import APP_ID, APP_PASSWORD, TENANT_ID, FakeLogin  # noqa: E402

TEAM = "19:benchmarkgeneral@thread.tacv2"


def outbox_states(core: Core) -> dict[str, int]:
    with core.sessions() as session:
        return dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=2, help="outbox senders sharing the outbox (threads)")
    parser.add_argument("--rate", type=float, default=40.0, help="messages a second per sender")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    login = FakeLogin().start()
    os.environ["REQUESTS_CA_BUNDLE"] = login.ca_bundle  # msal trusts the stand-in's throwaway CA
    connector = FakeConnector(accept=login.valid).start()
    members = connector.add_members(TEAM, args.members)
    folder = tempfile.mkdtemp(prefix="kiun-bench-")
    url = f"sqlite:///{folder}/kiun.db"
    upgrade(url)
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=url,
        KIUN_SECRET_KEY="benchmark-secret-key",
        KIUN_POLL_CHANNEL=TEAM,
        TEAMS_APP_ID=APP_ID,
        TEAMS_APP_PASSWORD=APP_PASSWORD,
        TEAMS_TENANT_ID=TENANT_ID,
        TEAMS_LOGIN_URL=login.base_url,
        TEAMS_SERVICE_URLS=connector.base_url + "/",
    )
    core = Core.create(settings)
    transport = wire(core, Connector(settings))
    installed = {  # kiun was added to the team: Teams told it so (the conversation reference)
        "type": "conversationUpdate",
        "serviceUrl": connector.service_url,
        "from": {"id": members[0]["id"], "aadObjectId": members[0]["aadObjectId"]},
        "conversation": {"id": TEAM, "conversationType": "channel", "tenantId": TENANT_ID},
        "channelData": {"tenant": {"id": TENANT_ID}, "team": {"id": TEAM}},
    }
    remember(core, Seen.of(installed))
    pattern = connector.pattern(every_nth=20, status=429, retry_after=1, random_5xx=0.02, seed=7)

    started = time.perf_counter()
    run = open_run(core, get_template("dx-momentum"), core.local_now().date())
    enqueued = time.perf_counter()

    stop = threading.Event()
    senders = [Sender(core, transport, args.rate, platform=PLATFORM) for _ in range(args.senders)]
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

    copies = [len(connector.activities(connector.personal_conversation(member["id"]))) for member in members]
    delivered = sum(1 for count in copies if count >= 1)
    duplicate = sum(count - 1 for count in copies if count > 1)
    lost = sum(1 for count in copies if count == 0)
    creates = len(connector.calls_to("POST", "/v3/conversations"))
    posts = len([call for call in connector.calls_to("POST", "/activities")])
    floor = args.members / PER_TENANT_PER_SECOND
    rows = [
        ("members", str(args.members)),
        ("senders x rate", f"{args.senders} x {args.rate:g}/s (shared Teams pace: 50/s per tenant, 7/s per chat)"),
        ("read roster + enqueue", f"{enqueued - started:.1f} s"),
        ("deliver", f"{finished - enqueued:.1f} s"),
        ("floor at 50 messages/s", f"{floor:.1f} s"),
        ("create chat / post calls", f"{creates} / {posts}"),
        ("answered 429 / 502 / 504", " / ".join(str(pattern.counts.get(code, 0)) for code in (429, 502, 504))),
        ("token requests", str(login.token_requests)),
        ("outbox states", ", ".join(f"{k} {v}" for k, v in sorted(outbox_states(core).items()))),
        ("delivered / duplicate / lost", f"{delivered} / {duplicate} / {lost}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{f'Teams broadcast of poll run {run.id}':<{width}} | result")
    print(f"{'-' * width}-|-------")
    for name, value in rows:
        print(f"{name:<{width}} | {value}")
    transport.connector.close()
    connector.stop()
    login.stop()
    core.close()
    return 0 if (delivered, duplicate, lost) == (args.members, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
