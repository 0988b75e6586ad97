"""A kiun process that runs only the real Scheduler between two wall-clock instants (for the multi-process test).

Usage: ``python -m tests.integration.scheduler_worker START_EPOCH STOP_EPOCH`` with DATABASE_URL set. Logs JSON
lines on stderr; the scheduler's ``won`` field tells whether this process took an occurrence.
"""

from __future__ import annotations

import sys
import time

from bot.app import logs
from bot.app.config import load_settings
from bot.app.core import Core
from bot.scheduling import registry as jobs
from bot.scheduling.scheduler import Scheduler


@jobs.job("test-tick", cron="* * * * * *", business_days_only=False, description="test: a short piece of work")
def tick(core: Core, occurrence, params: dict) -> None:
    time.sleep(0.05)


def main(start_at: float, stop_at: float) -> None:
    settings = load_settings(_env_file=None)
    logs.setup("INFO", "json")
    core = Core.create(settings)
    time.sleep(max(0.0, start_at - time.time()))
    scheduler = Scheduler(core)
    scheduler.start()
    time.sleep(max(0.0, stop_at - time.time()))
    scheduler.shutdown(wait=True)
    core.close()


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]))
