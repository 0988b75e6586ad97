"""The Slack Web API client: base URL from settings, a timeout, and retries for 429, 5xx and lost connections."""

from __future__ import annotations

import random

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.app.config import Settings

TIMEOUT_SECONDS = 10
MAX_RETRIES = 2


class EqualJitter(Jitter):
    """Half the interval fixed, half random (slack_sdk's default adds up to a whole second)."""

    def recalculate(self, duration: float) -> float:
        return duration / 2 + random.uniform(0, duration / 2)


_BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.25, jitter=EqualJitter())


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retry every 5xx answer (slack_sdk's own handler only retries 500 and 503)."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers(max_retries: int = MAX_RETRIES) -> list[RetryHandler]:
    """429 (waits ``Retry-After``, opt-in in slack_sdk), 5xx with backoff, and connection errors."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        AnyServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=_BACKOFF),
        ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=_BACKOFF),
    ]


def make_client(settings: Settings) -> WebClient:
    """A WebClient for ``SLACK_BOT_TOKEN`` against ``SLACK_API_URL``."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
    )
