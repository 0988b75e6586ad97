"""Fit the weights of the search re-ranker (`bot/features/qa/rerank.py`) on JSQuAD v1.3 validation.

For every question, BM25's candidates and their features are computed by kiun's own code; a pairwise logistic
regression learns to put the question's paragraph above the others. Five-fold cross-validation splits by
*article*, so no fold is scored on paragraphs of an article it was fitted on. Prints the cross-validated
recall next to BM25 alone and next to the weights kiun ships, and the weights fitted on all questions.

    python benchmarks/fit_rerank.py [--data PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval import DEFAULT_DATA, build, fresh_core, load  # noqa: E402

from bot.features.qa import rerank  # noqa: E402
from bot.features.qa.index import bm25, hits, indexed_text, query_weights  # noqa: E402
from bot.models import QaChunk, QaDocument  # noqa: E402

FOLDS = 5
C = 0.2  # inverse L2 strength


def rows(core, paragraphs) -> list[tuple[int, str, list[str], np.ndarray]]:
    """(paragraph index, article, candidate sources, feature matrix) for every question."""
    out = []
    with core.sessions() as session:
        sources = dict(session.query(QaChunk.id, QaDocument.source).join(QaDocument).all())
        for i, (title, _, questions) in enumerate(paragraphs):
            for question in questions:
                weights = query_weights(session, question)
                candidates = bm25(session, weights, rerank.DEPTH)
                passages = {h.chunk_id: indexed_text(h.title, h.section, h.text) for h in hits(session, candidates)}
                found = rerank.features(question, weights, candidates, passages)
                matrix = np.array([values for _, values in found]) if found else np.zeros((0, len(rerank.FEATURES)))
                out.append((i, title, [sources[chunk_id] for chunk_id, _ in found], matrix))
    return out


def fit(data: list[tuple[int, str, list[str], np.ndarray]]) -> np.ndarray:
    """Pairwise logistic regression (Newton's method): the gold passage minus each other candidate."""
    diffs = []
    for i, _, sources, matrix in data:
        gold = f"jsquad/{i:05d}.txt"
        if gold not in sources:
            continue
        g = matrix[sources.index(gold)]
        diffs.extend(g - matrix[j] for j, source in enumerate(sources) if source != gold)
    x = np.array(diffs).reshape(len(diffs), len(rerank.FEATURES))
    w = np.zeros(x.shape[1])
    for _ in range(50):  # minimises ½‖w‖²/C + Σ log(1 + exp(−w·d)); converges in a handful of steps
        p = 1 / (1 + np.exp(x @ w))  # = 1 - sigmoid(margin)
        gradient = w / C - x.T @ p
        hessian = np.eye(len(w)) / C + (x * (p * (1 - p))[:, None]).T @ x
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def metrics(data, score) -> dict[str, float]:
    ranks = []
    for i, title, sources, matrix in data:
        gold = f"jsquad/{i:05d}.txt"
        order = [sources[j] for j in np.argsort(-score(title, matrix), kind="stable")][:10] if len(sources) else []
        ranks.append(order.index(gold) + 1 if gold in order else None)
    n = len(ranks)
    return {
        "R@1": sum(1 for r in ranks if r == 1) / n,
        "R@5": sum(1 for r in ranks if r and r <= 5) / n,
        "R@10": sum(1 for r in ranks if r) / n,
        "MRR@10": sum(1 / r for r in ranks if r) / n,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSQuAD validation JSON")
    parser.add_argument("--splits", type=int, default=6, help="article-to-fold assignments tried (default 6)")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"fit_rerank: {args.data} not found (JSQuAD v1.3 validation; see docs/qa.md)", file=sys.stderr)
        return 2
    paragraphs = load(args.data)
    core = fresh_core(f"sqlite:///{tempfile.mkdtemp(prefix='kiun-fit-')}/fit.db")
    build(core, paragraphs, [])
    data = rows(core, paragraphs)
    core.close()

    articles = sorted({title for title, _, _ in paragraphs})
    folds = []  # one article → fold map per split: the sorted order first, then seeded shuffles
    for seed in range(args.splits):
        order = articles if seed == 0 else list(np.random.default_rng(seed).permutation(articles))
        folds.append({title: k % FOLDS for k, title in enumerate(order)})
    cv = []
    for fold in folds:
        fitted = {k: fit([row for row in data if fold[row[1]] != k]) for k in range(FOLDS)}
        cv.append((metrics(data, lambda title, m, fold=fold, fitted=fitted: m @ fitted[fold[title]]), fitted))
    shipped = np.array(rerank.WEIGHTS)
    results = {
        "BM25 alone": metrics(data, lambda title, m: m[:, 0]),
        f"re-ranked, {FOLDS}-fold CV by article (first split)": cv[0][0],
        "re-ranked, shipped weights": metrics(data, lambda title, m: m @ shipped),
    }
    print(f"{len(data)} questions, {len(articles)} articles; features: {', '.join(rerank.FEATURES)}\n")
    print("| ranking | R@1 | R@5 | R@10 | MRR@10 |\n|---|---|---|---|---|")
    for name, m in results.items():
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in m.values()) + " |")
    r5 = [m["R@5"] for m, _ in cv]
    print(f"\nheld-out R@5 over {len(cv)} splits: {min(r5):.4f}–{max(r5):.4f} (mean {np.mean(r5):.4f})")
    print("weights per fold (first split):")
    for k, w in cv[0][1].items():
        print(f"  fold {k}: ({', '.join(f'{v:.2f}' for v in w)})")
    print(f"weights on all questions: ({', '.join(f'{v:.2f}' for v in fit(data))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
