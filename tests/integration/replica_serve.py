"""``kiun`` with one extra job, for the replica test: ``python -m tests.integration.replica_serve serve --http …``.

``test-broadcast`` enqueues a DM to each of ``params["users"]`` users for every occurrence, so a compressed
schedule makes steady outbox traffic for the replicas' senders to share. Everything else is the real ``kiun``.
"""

from __future__ import annotations

import sys
from datetime import datetime

from bot.app.core import Core
from bot.chat.reply import Reply
from bot.cli import main
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.scheduling import registry as jobs
from tests.addresses import as_user


@jobs.job("test-broadcast", cron="0 0 1 1 *", business_days_only=False, description="test: DM many users")
def broadcast(core: Core, occurrence: datetime, params: dict) -> None:
    stamp = occurrence.strftime("%H:%M:%S")
    with transaction(core.sessions) as session:
        for n in range(int(params.get("users", 10))):
            enqueue(
                session, f"replica:{stamp}:{n}", as_user(f"U{n:04d}", "slack"), Reply(text=f"お知らせです（{stamp}）")
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
