"""Crash mid-broadcast: a pulse poll to ``--members`` members, ``kiun worker`` killed with SIGKILL ``--kills`` times at
random points and restarted each time (the CI test does 3 kills; see tests/integration/crash_broadcast.py).

Two modes. ``metadata check``: the restarted sender asks Slack (``conversations.history``, message metadata)
whether the message in flight at the kill went out, and sends it only if not. ``no history scope``: the stand-in
refuses ``conversations.history`` (as Slack does without the ``*:history`` scopes), so the message in flight is
marked ``unknown`` and never resent — at most one per kill, which ``/kiun admin outbox`` counts.

    python benchmarks/crash_broadcast.py [--members 500] [--kills 20] [--seed 1] [--database-url URL]

With ``--database-url`` (PostgreSQL) the database must be disposable: its tables are emptied.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bot.app.core import Core  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.models import Base  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.integration.crash_broadcast import CrashResult, crash_broadcast  # noqa: E402


def fresh(url: str, api_url: str) -> Core:
    upgrade(url)
    core = Core.create(make_settings(url, api_url))
    with core.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if core.engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    return core


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    folder = Path(tempfile.mkdtemp(prefix="kiun-crash-"))
    url = args.database_url or f"sqlite:///{folder / 'kiun.db'}"
    rows: list[tuple[str, CrashResult]] = []
    for mode in ("metadata check", "no history scope"):
        fake = FakeSlackAPI().start()
        if mode == "no history scope":
            fake.fail("conversations.history", status=200, times=10_000, error="missing_scope")
        core = fresh(url, fake.api_url)
        logs = folder / mode.replace(" ", "-")
        logs.mkdir()
        rows.append((mode, crash_broadcast(core, fake, logs, members=args.members, kills=args.kills, seed=args.seed)))
        core.close()
        fake.stop()

    backend = url.split(":", 1)[0]
    print(f"Pulse poll to {args.members} members, kiun worker SIGKILLed {args.kills} times and restarted ({backend})\n")
    print("| mode | in flight at the kills | delivered | duplicates | lost | outbox afterwards | time |")
    print("|:--|--:|--:|--:|--:|:--|--:|")
    for mode, r in rows:
        states = ", ".join(f"{state} {count}" for state, count in sorted(r.states.items()))
        counts = f"{sum(r.in_flight)} | {r.delivered} | {r.duplicates} | {r.lost}"
        print(f"| {mode} | {counts} | {states} | {r.seconds:.0f} s |")
    checked, unchecked = rows[0][1], rows[1][1]
    ok = (checked.delivered, checked.duplicates) == (args.members, 0) and unchecked.duplicates == 0
    ok = ok and unchecked.lost <= sum(unchecked.in_flight) <= args.kills
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
