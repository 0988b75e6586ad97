"""Second stage of the lexical search: re-rank BM25's candidates by how a passage answers the question.

BM25 scores each term on its own. A passage that answers a question usually also holds the question's terms
together: in one sentence, and in runs longer than a bigram. A linear model scores each candidate on the
features below; its weights were fitted by ``benchmarks/fit_rerank.py`` (pairwise logistic regression on
JSQuAD, with cross-validation across articles — see docs/qa.md) and are the same for every city.
"""

from __future__ import annotations

import bisect
import math
import re

from sqlalchemy.orm import Session

from bot.common import japanese
from bot.features.qa.index import UNIGRAM, bm25, hits, indexed_text, query_weights

FEATURES = (
    "bm25",  # the BM25 score, relative to the best candidate's
    "best_sentence",  # share of the query's term weight found in the passage's best sentence
    "coverage",  # share of the query's term weight found in the passage
    "kanji_coverage",  # the same for the query's single kanji and katakana
    "longest_match",  # the longest piece of the question found verbatim, relative to the question's length
    "log_length",  # log of the passage's length in characters
)
DEPTH = 20  # BM25 candidates re-ranked: deeper ones hardly ever rise into the first five
_SENTENCE_END = re.compile(r"[。!?\n]+")  # after NFKC (！？ → !?); a line break ends one too
_WORD_CHAR = re.compile(r"[a-z0-9]")
LONGEST_MATCH_CHARS = 200  # of the question: bounds the cost of a very long one
WEIGHTS = (3.60, 3.39, 4.93, 1.89, 3.41, -0.70)


def search(session: Session, query: str, limit: int = DEPTH) -> list[tuple[int, float]]:
    """(chunk id, score) of the best ``limit`` chunks for ``query``, best first: BM25's first :data:`DEPTH`
    re-ranked, then (when ``limit`` asks for more) BM25's next ones in BM25's order, scored just below."""
    weights = query_weights(session, query)
    candidates = bm25(session, weights, max(limit, DEPTH))
    head, tail = candidates[:DEPTH], candidates[DEPTH:limit]
    passages = {hit.chunk_id: indexed_text(hit.title, hit.section, hit.text) for hit in hits(session, head)}
    scored = [
        (chunk_id, sum(w * f for w, f in zip(WEIGHTS, values, strict=True)))
        for chunk_id, values in features(query, weights, head, passages)
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    lowest = scored[-1][1] if scored else 0.0
    return (scored + [(chunk_id, lowest - rank) for rank, (chunk_id, _) in enumerate(tail, start=1)])[:limit]


def features(
    query: str, weights: dict[str, float], candidates: list[tuple[int, float]], passages: dict[int, str]
) -> list[tuple[int, list[float]]]:
    """(chunk id, :data:`FEATURES` values) of each candidate that has a passage, in BM25 order.

    Terms are looked up in the normalised passage as substrings (a Japanese bigram occurs in the text exactly
    when it is one of its terms; latin/digit words only as whole words), which keeps this stage to about two
    milliseconds for 20 passages."""
    words = {term: w for term, w in weights.items() if not term.startswith(UNIGRAM)}
    chars = {term[len(UNIGRAM) :]: w for term, w in weights.items() if term.startswith(UNIGRAM)}
    words_total, chars_total = sum(words.values()) or 1.0, sum(chars.values()) or 1.0
    question = japanese.normalize(query)[:LONGEST_MATCH_CHARS]
    best_score = candidates[0][1] if candidates else 1.0
    out = []
    for chunk_id, score in candidates:
        passage = passages.get(chunk_id)
        if passage is None:
            continue
        normalized = "\n".join(japanese.normalize(line) for line in passage.splitlines())
        ends = [match.end() for match in _SENTENCE_END.finditer(normalized)]
        found = 0.0
        per_sentence: dict[int, float] = {}
        for term, w in words.items():
            sentences = {bisect.bisect_right(ends, start) for start in _occurrences(normalized, term)}
            if sentences:
                found += w
            for sentence in sentences:
                per_sentence[sentence] = per_sentence.get(sentence, 0.0) + w
        out.append(
            (
                chunk_id,
                [
                    score / best_score,
                    max(per_sentence.values(), default=0.0) / words_total,
                    found / words_total,
                    sum(w for c, w in chars.items() if c in normalized) / chars_total,
                    _longest_match(question, normalized) / max(1, len(question)),
                    math.log(1 + len(passage)),
                ],
            )
        )
    return out


def _occurrences(text: str, term: str) -> list[int]:
    """Start positions of ``term`` in ``text``; a latin/digit word only where it stands whole ("ai" not in
    "email")."""
    if _WORD_CHAR.search(term):
        return [m.start() for m in re.finditer(f"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text)]
    positions, start = [], text.find(term)
    while start >= 0:
        positions.append(start)
        start = text.find(term, start + 1)
    return positions


def _longest_match(question: str, passage: str) -> int:
    """Length of the longest substring of ``question`` that occurs in ``passage``."""
    best = 0
    for start in range(len(question)):
        while start + best < len(question) and question[start : start + best + 1] in passage:
            best += 1
    return best
