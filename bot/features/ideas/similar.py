"""Similar ideas, so people can vote for an existing one instead of proposing it twice.

Japanese-aware and dictionary-free: the shared term splitter (:mod:`bot.common.japanese`: NFKC, character
bigrams for Japanese, whole words for Latin letters and digits) with hiragana-only terms dropped (particles and
endings such as する, ます carry no topic). Ideas are compared by cosine similarity of their term counts, the
title counted twice since it names the topic.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.common.japanese import is_kana_only, terms
from bot.features.ideas.models import Idea
from bot.features.ideas.rules import IdeaFields

THRESHOLD = 0.35  # below this, two ideas share words but not a topic (see tests/unit/test_ideas_similar.py)
CANDIDATES = 2000  # the most recent ideas compared; older ones rarely matter and this bounds the work
_cache: dict[int, tuple[str, Counter[str]]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Match:
    idea_id: int
    title: str
    status: str
    score: float


def vector(title: str, body: str) -> Counter[str]:
    """Term counts of an idea: the title twice, then the body; hiragana-only terms dropped."""
    return Counter(term for term in terms(f"{title}\n{title}\n{body}") if not is_kana_only(term))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[term] for term, count in a.items() if term in b)
    return dot / (math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values())))


def similar_ideas(session: Session, fields: IdeaFields, limit: int = 3, exclude: int | None = None) -> list[Match]:
    """The ideas most similar to ``fields`` at or above :data:`THRESHOLD`, best first."""
    wanted = vector(fields.title, f"{fields.problem}\n{fields.proposal}")
    rows = session.execute(
        select(Idea.id, Idea.dedupe_key, Idea.title, Idea.status).order_by(Idea.id.desc()).limit(CANDIDATES)
    ).all()
    vectors = _vectors(session, [(idea_id, version) for idea_id, version, _, _ in rows])
    matches = []
    for idea_id, _, title, status in rows:
        if idea_id == exclude:
            continue
        score = cosine(wanted, vectors[idea_id])
        if score >= THRESHOLD:
            matches.append(Match(idea_id, title, status, round(score, 3)))
    matches.sort(key=lambda match: (-match.score, -match.idea_id))
    return matches[:limit]


def _vectors(session: Session, versions: list[tuple[int, str]]) -> dict[int, Counter[str]]:
    """Term vectors of the given ideas, computed once per text and kept in memory: splitting the text is most of
    the cost (about 0.3 ms an idea). The version is the idea's ``dedupe_key``, which changes with its text."""
    with _lock:
        known = {
            idea_id: _cache[idea_id][1] for idea_id, version in versions if _cache.get(idea_id, (None,))[0] == version
        }
    missing = [idea_id for idea_id, _ in versions if idea_id not in known]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        texts = session.execute(
            select(Idea.id, Idea.dedupe_key, Idea.title, Idea.problem, Idea.proposal).where(Idea.id.in_(chunk))
        ).all()
        fresh = {
            idea_id: (version, vector(title, f"{problem}\n{proposal}"))
            for idea_id, version, title, problem, proposal in texts
        }
        with _lock:
            if len(_cache) > 2 * CANDIDATES:
                _cache.clear()
            _cache.update(fresh)
        known.update({idea_id: counts for idea_id, (_, counts) in fresh.items()})
    return known
