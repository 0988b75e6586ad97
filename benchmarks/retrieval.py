"""Retrieval benchmark on JSQuAD v1.3 validation (CC BY-SA 4.0; read from ../shared/eval, never committed).

Each paragraph is ingested as a document through kiun's real ingestion (`add_bytes`), each question is searched
with kiun's real search, and a hit is the question's own paragraph. Prints recall@1/5/10, MRR@10, p50/p95 query
latency and index build time; then the same at 20,000 chunks (the paragraphs plus synthetic distractor passages,
each three sentences drawn at random from paragraphs of *other* articles — a pessimistic padding, since a
distractor may contain the very sentence a question was written from); then the refusal calibration: the
confidence of answerable questions vs. questions whose article is not indexed.

    python benchmarks/retrieval.py [--data PATH] [--database-url URL] [--skip-large]

With ``--database-url`` (e.g. PostgreSQL) the database must be empty or disposable: its kiun tables are reset.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import Base  # noqa: E402
from bot.services import japanese  # noqa: E402
from bot.services.qa.answer import CONFIDENCE_THRESHOLD  # noqa: E402
from bot.services.qa.ingest import add_bytes  # noqa: E402
from bot.services.qa.search import search, search_with_confidence  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "jsquad-valid-v1.3.json"
LARGE = 20_000


def load(path: Path) -> list[tuple[str, str, list[str]]]:
    """(article title, paragraph, questions) for every paragraph."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [
        (article["title"], p["context"], [q["question"] for q in p["qas"]])
        for article in data
        for p in article["paragraphs"]
    ]


def fresh_core(url: str) -> Core:
    settings = load_settings(_env_file=None, DATABASE_URL=url, KIUN_LOG_LEVEL="WARNING")
    upgrade(url)
    core = Core.create(settings)
    with core.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name.startswith("qa_"):
                connection.execute(table.delete())
    return core


def build(core: Core, paragraphs: list[tuple[str, str, list[str]]], padding: list[str]) -> float:
    started = time.perf_counter()
    for i, (_, context, _) in enumerate(paragraphs):
        add_bytes(core, f"jsquad/{i:05d}.txt", context.encode("utf-8"), "benchmark")
    for i, passage in enumerate(padding):
        add_bytes(core, f"padding/{i:05d}.txt", passage.encode("utf-8"), "benchmark")
    if core.engine.dialect.name == "postgresql":
        with core.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def evaluate(core: Core, paragraphs: list[tuple[str, str, list[str]]]) -> dict[str, float]:
    ranks, latencies = [], []
    for i, (_, _, questions) in enumerate(paragraphs):
        gold = f"jsquad/{i:05d}.txt"
        for question in questions:
            started = time.perf_counter()
            found = search(core, question, 10)
            latencies.append((time.perf_counter() - started) * 1000)
            sources = [hit.source for hit in found]
            ranks.append(sources.index(gold) + 1 if gold in sources else None)
    n = len(ranks)
    latencies.sort()
    return {
        "questions": n,
        "r1": sum(1 for r in ranks if r == 1) / n,
        "r5": sum(1 for r in ranks if r and r <= 5) / n,
        "r10": sum(1 for r in ranks if r) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (n - 1))],
    }


def padding(paragraphs: list[tuple[str, str, list[str]]], count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    pool = [(title, s) for title, context, _ in paragraphs for s in japanese.sentences(context.split(" [SEP] ")[-1])]
    out = []
    while len(out) < count:
        picked = rng.sample(pool, 3)
        out.append("".join(sentence for _, sentence in picked))
    return out


def calibrate(url: str, paragraphs: list[tuple[str, str, list[str]]], sample: int = 600) -> None:
    """Index half of the articles; compare confidence for their questions vs. the other half's."""
    titles = sorted({title for title, _, _ in paragraphs})
    kept = set(titles[::2])
    core = fresh_core(url)
    for i, (title, context, _) in enumerate(paragraphs):
        if title in kept:
            add_bytes(core, f"jsquad/{i:05d}.txt", context.encode("utf-8"), "benchmark")
    rng = random.Random(3)
    inside = [q for title, _, qs in paragraphs if title in kept for q in qs]
    outside = [q for title, _, qs in paragraphs if title not in kept for q in qs]
    scores_in = [search_with_confidence(core, q)[1] for q in rng.sample(inside, min(sample, len(inside)))]
    scores_out = [search_with_confidence(core, q)[1] for q in rng.sample(outside, min(sample, len(outside)))]
    core.close()
    print("\nRefusal calibration (confidence = IDF-weighted query-term coverage of the best passage)")
    print(f"{len(scores_in)} answerable questions (article indexed), {len(scores_out)} unanswerable (article not)\n")
    print("| threshold | answerable answered | unanswerable refused | balanced accuracy |")
    print("|---|---|---|---|")
    for threshold in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
        answered = sum(s >= threshold for s in scores_in) / len(scores_in)
        refused = sum(s < threshold for s in scores_out) / len(scores_out)
        mark = " ← kiun" if abs(threshold - CONFIDENCE_THRESHOLD) < 1e-9 else ""
        print(f"| {threshold:.2f}{mark} | {answered:.3f} | {refused:.3f} | {(answered + refused) / 2:.3f} |")


def table(rows: list[tuple[str, int, float, dict[str, float]]]) -> None:
    print("| setup | chunks | R@1 | R@5 | R@10 | MRR@10 | p50 ms | p95 ms | build s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, chunks, seconds, m in rows:
        print(
            f"| {name} | {chunks:,} | {m['r1']:.3f} | {m['r5']:.3f} | {m['r10']:.3f} | {m['mrr']:.3f} "
            f"| {m['p50']:.1f} | {m['p95']:.1f} | {seconds:.1f} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSQuAD validation JSON")
    parser.add_argument("--database-url", default=None, help="database to use (default: a temporary SQLite file)")
    parser.add_argument("--skip-large", action="store_true", help="skip the 20,000-chunk table")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"retrieval benchmark: {args.data} not found (JSQuAD v1.3 validation; see docs/qa.md)", file=sys.stderr)
        return 2
    paragraphs = load(args.data)
    workdir = tempfile.mkdtemp(prefix="kiun-bench-")
    url = args.database_url or f"sqlite:///{workdir}/retrieval.db"
    backend = url.split(":", 1)[0]
    print(f"JSQuAD v1.3 validation: {len(paragraphs)} paragraphs, {sum(len(q) for *_, q in paragraphs)} questions")
    print(f"backend: {backend}; lexical only (NFKC, character bigrams + kanji/katakana unigrams, BM25)\n")

    rows = []
    core = fresh_core(url)
    seconds = build(core, paragraphs, [])
    rows.append(("default", len(paragraphs), seconds, evaluate(core, paragraphs)))
    core.close()
    if not args.skip_large:
        core = fresh_core(url)
        seconds = build(core, paragraphs, padding(paragraphs, LARGE - len(paragraphs)))
        rows.append(("default + distractors", LARGE, seconds, evaluate(core, paragraphs)))
        core.close()
    table(rows)
    calibrate(url, paragraphs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
