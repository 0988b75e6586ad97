"""``housekeeping``: delete rows that have served their purpose, so the database stays small."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from bot.app.core import Core
from bot.db.session import rowcount, transaction
from bot.delivery.models import OutboxMessage, OutboxState, PlatformEvent
from bot.scheduling.models import JobRun
from bot.scheduling.registry import job

log = logging.getLogger(__name__)

EVENTS_KEPT = timedelta(days=7)  # platforms retry an event for minutes, never days
SENT_MESSAGES_KEPT = timedelta(days=90)
JOB_RUNS_KEPT = timedelta(days=180)


@job(
    "housekeeping",
    cron="0 3 * * *",
    business_days_only=False,
    description="delete old platform event ids, sent outbox messages and job runs",
)
def housekeeping(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """Delete platform event ids after 7 days, sent messages after 90 and job runs after 180 (from ``occurrence``).

    Pending, failed and unknown messages are kept: they need a person or a retry.
    """
    with transaction(core.sessions) as session:
        events = rowcount(session, delete(PlatformEvent).where(PlatformEvent.received_at < occurrence - EVENTS_KEPT))
        sent = rowcount(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.state == OutboxState.SENT, OutboxMessage.sent_at < occurrence - SENT_MESSAGES_KEPT
            ),
        )
        runs = rowcount(session, delete(JobRun).where(JobRun.started_at < occurrence - JOB_RUNS_KEPT))
    log.info(
        "housekeeping deleted %d platform events, %d sent messages, %d job runs",
        events,
        sent,
        runs,
        extra={"platform_events": events, "outbox": sent, "job_runs": runs},
    )
    if not (events or sent or runs):
        return "nothing old enough to delete (event ids after 7 days, sent messages after 90, job runs after 180)"
    return f"deleted platform event ids: {events}, sent messages: {sent}, job runs: {runs}"
