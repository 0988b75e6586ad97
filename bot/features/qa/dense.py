"""Optional dense retrieval: vectors from an OpenAI-compatible embeddings endpoint (``KIUN_EMBEDDING_MODEL``).

Off unless both an endpoint (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``) and a model are set. Any failure means
"lexical only" for that call, never an error for the person. Chunk vectors are kept in memory per process
(pure Python cosine: meant for a city's few thousand passages, not millions).
"""

from __future__ import annotations

import logging
import threading

import openai
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.features.qa.llm import make_llm_client
from bot.features.qa.models import QaChunk

log = logging.getLogger(__name__)

BATCH = 64
_cache: dict[str, tuple[tuple[int, int], list[tuple[int, list[float]]]]] = {}
_lock = threading.Lock()


def enabled(core: Core) -> bool:
    settings = core.settings
    return bool(settings.kiun_embedding_model and (settings.openai_api_key or settings.openai_base_url))


def _embed(core: Core, texts: list[str]) -> list[list[float]] | None:
    client = make_llm_client(core.settings, timeout=core.settings.kiun_llm_timeout)
    if client is None or not core.settings.kiun_embedding_model:
        return None
    vectors: list[list[float]] = []
    try:
        for start in range(0, len(texts), BATCH):
            response = client.embeddings.create(
                model=core.settings.kiun_embedding_model, input=texts[start : start + BATCH]
            )
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
    except openai.APIError as exc:
        log.warning("qa: embeddings unavailable (%s); using lexical search only", type(exc).__name__)
        return None
    return vectors


def embed_passages(core: Core, texts: list[str]) -> list[list[float]] | None:
    """Vectors for passages at ingestion, or None (not configured, or the endpoint failed)."""
    if not enabled(core) or not texts:
        return None
    return _embed(core, texts)


def embed_query(core: Core, text: str) -> list[float] | None:
    if not enabled(core):
        return None
    vectors = _embed(core, [text])
    return vectors[0] if vectors else None


def vectors(core: Core, session: Session) -> list[tuple[int, list[float]]]:
    """Every chunk's vector, cached until the set of chunks changes."""
    count, last = session.execute(select(func.count(QaChunk.id), func.coalesce(func.max(QaChunk.id), 0))).one()
    stamp = (count, last)
    key = core.settings.database_url
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    rows = session.execute(select(QaChunk.id, QaChunk.embedding).where(QaChunk.embedding.is_not(None))).all()
    items = [(chunk_id, list(vector)) for chunk_id, vector in rows if vector]
    with _lock:
        _cache[key] = (stamp, items)
    return items


def forget() -> None:
    with _lock:
        _cache.clear()
