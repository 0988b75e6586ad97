"""What the workers left in the database, for ``GET /metrics``: outbox messages by state and finished job runs,
read at each scrape (so every replica reports the shared truth)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.app.core import Core
from bot.delivery.models import OutboxMessage
from bot.scheduling.models import JobRun

log = logging.getLogger(__name__)

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "unknown")


class DatabaseCollector(Collector):
    """Outbox messages by state and finished job runs by schedule and state, queried at scrape time."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def collect(self) -> Iterator[Metric]:
        outbox = GaugeMetricFamily("kiun_outbox_messages", "Messages in the delivery outbox", labels=["state"])
        runs = CounterMetricFamily(
            "kiun_job_runs",
            "Scheduled job runs: done, failed, or missed (kiun was down past the catch-up grace)",
            labels=["schedule", "state"],
        )
        try:
            with self.core.sessions() as session:
                counts = dict(
                    session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
                )
                finished = session.execute(
                    select(JobRun.schedule, JobRun.state, func.count())
                    .where(JobRun.state.in_(("done", "failed", "missed")))
                    .group_by(JobRun.schedule, JobRun.state)
                ).all()
        except Exception:  # noqa: BLE001 - the database is down: report what we can (healthz says why)
            log.warning("metrics: database unavailable", exc_info=True)
            return
        for state in sorted(set(OUTBOX_STATES) | set(counts)):
            outbox.add_metric([state], counts.get(state, 0))
        for schedule, state, count in finished:
            runs.add_metric([schedule, state], count)
        yield outbox
        yield runs
