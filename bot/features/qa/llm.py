"""The LLM client: OpenAI, Azure OpenAI (v1 endpoint) or any OpenAI-compatible server via ``OPENAI_BASE_URL``.

kiun works without one (extractive answers); :func:`make_llm_client` returns None then. Callers treat
:class:`LLMUnavailable` as "answer without the LLM", never as a crash.
"""

from __future__ import annotations

import logging

import openai
from openai.types.chat import ChatCompletionMessageParam

from bot.app.config import Settings
from bot.app.metrics import count_llm

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
MAX_RETRIES = 2
# Local servers (Ollama, vLLM, …) accept any key, but the client insists on one.
PLACEHOLDER_KEY = "not-needed"


class LLMUnavailable(Exception):
    """The LLM did not answer (server error, rate limit, timeout, unreachable, empty answer)."""


def make_llm_client(
    settings: Settings, timeout: float = TIMEOUT_SECONDS, max_retries: int = MAX_RETRIES
) -> openai.OpenAI | None:
    """A client when OPENAI_API_KEY or OPENAI_BASE_URL is set, else None (no LLM configured)."""
    if not (settings.openai_api_key or settings.openai_base_url):
        return None
    return openai.OpenAI(
        api_key=settings.openai_api_key or PLACEHOLDER_KEY,
        base_url=settings.openai_base_url or None,
        timeout=timeout,
        max_retries=max_retries,
    )


def complete(client: openai.OpenAI, model: str, messages: list[ChatCompletionMessageParam]) -> str:
    """The assistant's answer to ``messages``; raises LLMUnavailable when there is none (retries included)."""
    try:
        response = client.chat.completions.create(model=model, messages=messages)
    except openai.APIError as exc:
        status = getattr(exc, "status_code", None)
        log.warning("LLM request failed", extra={"error": type(exc).__name__, "status": status, "model": model})
        count_llm("error")
        raise LLMUnavailable(f"the LLM did not answer ({type(exc).__name__}{f' {status}' if status else ''})") from exc
    content = response.choices[0].message.content if response.choices else None
    if not content or not content.strip():
        count_llm("empty")
        raise LLMUnavailable("the LLM gave an empty answer")
    count_llm("ok")
    return content
