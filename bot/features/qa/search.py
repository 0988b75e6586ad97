"""Search the city's documents: BM25 over Japanese terms, re-ranked, fused with dense vectors (RRF) when configured."""

from __future__ import annotations

from pathlib import Path

from bot.app.core import Core
from bot.content.tree import content_root
from bot.features.qa import dense, rerank, synonyms
from bot.features.qa.index import CANDIDATES, Hit, cosine_ranking, coverage, hits, rrf

CONTEXT_WEIGHT = 0.5  # the thread's topic counts, the follow-up itself more
SYNONYM_WEIGHT = 1.0  # the question with its words' synonyms, fused with the question alone


def search(core: Core, query: str, limit: int = 5, context: str = "", synonyms_file: Path | None = None) -> list[Hit]:
    """The ``limit`` best passages for ``query``, best first (empty when nothing matches).

    ``context`` (a thread's earlier question) is searched with the query and fused with the query alone, so a
    short follow-up ("自宅のパソコンは？") keeps its thread's topic without being drowned by it. The lexical
    search also looks for the synonyms of the query's words (``synonyms_file``; default: the served list)."""
    synonyms_file = synonyms_file or synonyms.synonyms_path(content_root(core.engine))
    depth = max(limit, CANDIDATES)
    expanded = synonyms.expand(query, synonyms.matches(query, synonyms_file))
    with core.sessions() as session:
        rankings, weights = [rerank.search(session, query, depth)], [1.0]
        if expanded != query:  # fused with the question alone, so a synonym never drowns the question's words
            rankings.append(rerank.search(session, expanded, depth))
            weights.append(SYNONYM_WEIGHT)
        if context:
            rankings.append(rerank.search(session, f"{context}\n{query}", depth))
            weights.append(CONTEXT_WEIGHT)
        vector = dense.embed_query(core, query) if dense.enabled(core) else None
        if vector is not None:
            rankings.append(cosine_ranking(vector, dense.vectors(core, session), CANDIDATES))
            weights.append(1.0)
        ranking = rrf(*rankings, weights=weights) if len(rankings) > 1 else rankings[0]
        return hits(session, ranking[:limit])


def search_with_confidence(
    core: Core, query: str, limit: int = 5, context: str = "", synonyms_file: Path | None = None
) -> tuple[list[Hit], float]:
    """Passages and the confidence (0–1) that they cover the question (see :func:`index.coverage`); with a
    thread's ``context``, the better of the question alone and the question in context counts."""
    synonyms_file = synonyms_file or synonyms.synonyms_path(content_root(core.engine))
    found = search(core, query, limit, context, synonyms_file)
    with core.sessions() as session:
        confidence = coverage(session, query, found, synonyms.matches(query, synonyms_file))
        if context:
            joined = f"{context}\n{query}"
            confidence = max(confidence, coverage(session, joined, found, synonyms.matches(joined, synonyms_file)))
        return found, confidence
