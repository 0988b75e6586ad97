"""The lexical index and search: Japanese terms, BM25 in SQL (identical on SQLite and PostgreSQL), optional
dense vectors fused by reciprocal rank fusion, and a confidence measure for refusals.

Terms (see :mod:`bot.common.japanese`): NFKC + lower case; character bigrams of Japanese runs, whole
latin/digit words, and single kanji/katakana as a weak extra signal (prefixed ``~``). The postings table holds
(term, chunk, tf, chunk length); a query sums BM25 over its terms with one grouped SELECT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.common import japanese
from bot.features.qa import synonyms
from bot.features.qa.models import QaChunk, QaDocument, QaPosting
from bot.features.qa.synonyms import Match

K1 = 1.2
B = 0.75
CANDIDATES = 50  # ranked by each retriever before fusion
RRF_K = 60
MAX_TERM = 64  # the column's size
UNIGRAM = "~"
UNIGRAM_MAX_SHARE = 0.1
MAX_QUERY_TERMS = 24  # the most informative; the rest have long posting lists and add little
HIRAGANA_WEIGHT = 0.3  # all-hiragana terms (もよ, ですか) are mostly particles and endings
MIXED_WEIGHT = 0.5  # hiragana mixed with kanji/katakana (で梅, 雨が, 申し)
QUESTION_CHARS = frozenset("何誰")  # 何年, 何と, 誰が: the question's shape, not its topic (誰一人 loses 誰一)
QUESTION_WORDS = frozenset(
    japanese.terms(
        "何ですか。なんですか。いつですか。どこですか。だれですか。誰ですか。どうすればよいですか。教えてください。"
    )
) | {"ok", "ng"}  # 「…してもOK？」: the question's shape, not its topic


@dataclass
class Hit:
    """One retrieved passage and where it comes from."""

    chunk_id: int
    score: float
    source: str
    title: str
    section: str
    page: int | None
    text: str
    dated: date | None = None  # the document's date (see QaDocument.dated) and the word with it
    dated_by: str = ""

    def as_dict(self) -> dict:
        return {
            "doc": self.source,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "date": self.dated.isoformat() if self.dated else None,
            "score": round(self.score, 4),
            "text": self.text,
        }


def index_terms(text: str) -> list[str]:
    """What the index stores for ``text`` (with repeats, for term frequencies)."""
    terms = [term[:MAX_TERM] for term in japanese.terms(text)]
    return terms + [UNIGRAM + char for char in japanese.unigrams(text)]


def indexed_text(title: str, section: str, text: str) -> str:
    """The text a chunk is indexed under: its title and heading path count as part of it."""
    return f"{title}\n{section}\n{text}"


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _document_frequencies(session: Session, terms: list[str]) -> tuple[int, dict[str, int]]:
    """The number of chunks, and how many chunks hold each of ``terms`` (terms in none are left out)."""
    n = session.scalar(select(func.count(QaChunk.id))) or 0
    rows = session.execute(
        select(QaPosting.term, func.count()).where(QaPosting.term.in_(terms)).group_by(QaPosting.term)
    ).all()
    return n, dict(rows)


def query_weights(session: Session, query: str) -> dict[str, float]:
    """The query's terms and their BM25 weights (IDF × term class), at most :data:`MAX_QUERY_TERMS`.

    Single-character terms found in more than :data:`UNIGRAM_MAX_SHARE` of the chunks are left out (they add
    almost nothing to the ranking and most of the work), as are all but the highest-weighted terms of a long
    question. All-hiragana bigrams (もよ, ます) are mostly particles and endings and count 0.3; bigrams that mix
    hiragana with a kanji or katakana (で梅, 雨が, 申し) straddle a word's edge or its okurigana and count 0.5;
    terms with the question kanji 何 or 誰 (何年, 誰が) count nothing: the documents hold answers, not questions
    (いつ, どこ are hiragana and count 0.3 like any)."""
    terms = list(dict.fromkeys(index_terms(query)))
    if not terms:
        return {}
    n, dfs = _document_frequencies(session, terms)
    if not n:
        return {}
    weights = {
        term: _idf(n, df) * _class_weight(term)
        for term, df in dfs.items()
        if not (term.startswith(UNIGRAM) and df > UNIGRAM_MAX_SHARE * n)
    }
    return dict(sorted(((t, w) for t, w in weights.items() if w > 0), key=lambda item: -item[1])[:MAX_QUERY_TERMS])


def _class_weight(term: str) -> float:
    if any(char in QUESTION_CHARS for char in term):
        return 0.0
    hiragana = sum(1 for char in term if japanese.is_kana_only(char))
    if hiragana == len(term):
        return HIRAGANA_WEIGHT
    return MIXED_WEIGHT if hiragana and len(term) == 2 else 1.0


def bm25(session: Session, weights: dict[str, float], limit: int = CANDIDATES) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) of the best chunks for weighted query terms, best first.

    One grouped SELECT joins the terms (a VALUES list) to the postings, with the average passage length in the
    same statement: the same SQL on SQLite and PostgreSQL, one round trip."""
    if not weights:
        return []
    params: dict[str, object] = {"limit": limit, "k1": K1, "b": B}
    values = []
    for i, (term, weight) in enumerate(weights.items()):
        params[f"t{i}"], params[f"w{i}"] = term, weight
        values.append(f"(:t{i}, CAST(:w{i} AS FLOAT))")
    sql = text(
        f"WITH q(term, w) AS (VALUES {', '.join(values)}), "
        "a(avg) AS (SELECT CAST(COALESCE(NULLIF(AVG(length), 0), 1) AS FLOAT) FROM qa_chunks) "
        "SELECT p.chunk_id, SUM(q.w * p.tf * (:k1 + 1) / (p.tf + :k1 * (1 - :b + :b * p.length / a.avg))) AS score "
        "FROM q JOIN qa_postings p ON p.term = q.term CROSS JOIN a "
        "GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT :limit"
    )
    return [(chunk_id, float(score)) for chunk_id, score in session.execute(sql, params).all()]


def cosine_ranking(vector: list[float], items: list[tuple[int, list[float]]], limit: int) -> list[tuple[int, float]]:
    """(chunk id, cosine) of the ``limit`` nearest ``items`` to ``vector``."""
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    scored = []
    for chunk_id, other in items:
        other_norm = math.sqrt(sum(v * v for v in other)) or 1.0
        scored.append((chunk_id, sum(a * b for a, b in zip(vector, other, strict=False)) / (norm * other_norm)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def rrf(
    *rankings: list[tuple[int, float]], weights: list[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """(Weighted) reciprocal rank fusion of several rankings (each best first)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def hits(session: Session, ranking: list[tuple[int, float]]) -> list[Hit]:
    """Load the chunks of ``ranking`` (in its order)."""
    ids = [chunk_id for chunk_id, _ in ranking]
    if not ids:
        return []
    rows = session.execute(
        select(QaChunk, QaDocument.source, QaDocument.title, QaDocument.dated, QaDocument.dated_by)
        .join(QaDocument, QaDocument.id == QaChunk.document_id)
        .where(QaChunk.id.in_(ids))
    ).all()
    by_id = {row[0].id: row for row in rows}
    out = []
    for chunk_id, score in ranking:
        if chunk_id in by_id:
            chunk, source, title, dated, dated_by = by_id[chunk_id]
            out.append(Hit(chunk_id, score, source, title, chunk.section, chunk.page, chunk.text, dated, dated_by))
    return out


def content_terms(query: str) -> list[str]:
    """The query's terms that carry meaning: words and bigrams without hiragana (particles and endings such as
    の役, 割は, ですか carry little), minus question words and terms with the question kanji 何 or 誰 (何回,
    何日: the documents hold answers, not questions); all terms when that leaves nothing."""
    terms = [
        term
        for term in japanese.query_terms(query)
        if term not in QUESTION_WORDS and not any(char in QUESTION_CHARS for char in term)
    ]
    meaningful = [term for term in terms if not any(japanese.is_kana_only(char) for char in term)]
    return meaningful or terms


def coverage(
    session: Session, query: str, hit_list: list[Hit], found: list[Match] | None = None, top: int = 3
) -> float:
    """Confidence (0–1): the IDF-weighted share of the query's meaningful terms found in the best passage
    (among the first ``top``). Rare terms the documents never mention weigh most, so an off-topic question
    whose only overlap is common words scores low. A word of the query with synonyms (``found``) counts where
    any of them occurs."""
    terms = content_terms(query) + japanese.compounds(query)
    if not terms or not hit_list:
        return 0.0
    n, dfs = _document_frequencies(session, terms)
    weights = {term: _idf(max(n, 1), dfs.get(term, 0)) for term in terms}
    total = sum(weights.values()) or 1.0
    best = 0.0
    for hit in hit_list[:top]:
        text = japanese.normalize(indexed_text(hit.title, hit.section, hit.text))
        augmented = synonyms.augment(text, found or [])
        present = set(japanese.terms(augmented)) | set(japanese.compounds(augmented))
        best = max(best, sum(w for term, w in weights.items() if term in present) / total)
    return best
