"""Prometheus metrics for ``GET /metrics``: request counts, handler time and LLM calls of this process, plus
outbox and job state read from the database at each scrape (so every replica reports the shared truth)."""

from __future__ import annotations

import logging

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.app.core import Core
from bot.delivery.models import OutboxMessage, OutboxState
from bot.scheduling.models import JobRun, JobState

log = logging.getLogger(__name__)

disable_created_metrics()  # the *_created series only add noise to a small bot's scrape


class DatabaseCollector(Collector):
    """Outbox messages by state and finished job runs by schedule and state, queried at scrape time."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def collect(self):
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
                    .where(JobRun.state.in_((JobState.DONE, JobState.FAILED, JobState.MISSED)))
                    .group_by(JobRun.schedule, JobRun.state)
                ).all()
        except Exception:  # noqa: BLE001 - the database is down: report what we can (healthz says why)
            log.warning("metrics: database unavailable", exc_info=True)
            return
        for state in sorted(set(OutboxState) | set(counts)):
            outbox.add_metric([state], counts.get(state, 0))
        for schedule, state, count in finished:
            runs.add_metric([schedule, state], count)
        yield outbox
        yield runs


class LLMCollector(Collector):
    """Chat completions this process asked of the LLM, by outcome (see bot.features.qa.llm.outcomes)."""

    def collect(self):
        from bot.features.qa.llm import outcomes

        family = CounterMetricFamily(
            "kiun_llm_requests", "Chat completions asked of the LLM, by outcome", labels=["outcome"]
        )
        for outcome, count in outcomes().items():
            family.add_metric([outcome], count)
        yield family


class Metrics:
    """One registry per running app (not the global one), so tests and replicas never share counters."""

    def __init__(self, core: Core | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kiun_slack_requests",
            "Slack requests handled, by kind (command, action, form, event) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "kiun_handler_seconds",
            "Time spent in kiun's handlers, by request kind",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.http_requests = Counter(
            "kiun_http_requests",
            "HTTP requests served, by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.registry.register(LLMCollector())
        if core is not None:
            self.registry.register(DatabaseCollector(core))

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
