"""Prometheus metrics for ``GET /metrics``: request counts, handler time and LLM calls of this process, plus the
collectors the platform adds (the outbox and job state: bot.scheduling.metrics)."""

from __future__ import annotations

import threading
from collections import Counter as Tally

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

disable_created_metrics()  # the *_created series only add noise to a small bot's scrape

_llm_outcomes: Tally[str] = Tally()  # chat completions in this process by outcome
_llm_lock = threading.Lock()


def count_llm(outcome: str) -> None:
    """Count one chat completion asked of the LLM: ``ok``, ``error`` (no answer after the client's retries:
    timeout, server error, rate limit, unreachable) or ``empty``."""
    with _llm_lock:
        _llm_outcomes[outcome] += 1


def llm_outcomes() -> dict[str, int]:
    """Chat completions asked of the LLM by this process so far, by outcome (see :func:`count_llm`)."""
    with _llm_lock:
        return {name: _llm_outcomes[name] for name in ("ok", "error", "empty")}


class LLMCollector(Collector):
    """Chat completions this process asked of the LLM, by outcome (see :func:`count_llm`)."""

    def collect(self):
        family = CounterMetricFamily(
            "kiun_llm_requests", "Chat completions asked of the LLM, by outcome", labels=["outcome"]
        )
        for outcome, count in llm_outcomes().items():
            family.add_metric([outcome], count)
        yield family


class Metrics:
    """One registry per running app (not the global one), so tests and replicas never share counters."""

    def __init__(self, *collectors: Collector) -> None:
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
        for collector in (LLMCollector(), *collectors):
            self.registry.register(collector)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
