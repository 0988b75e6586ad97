"""Answer quality on the municipal development set (``benchmarks/data/municipal``): a fictional city's documents.

The documents are built (PDF, DOCX, XLSX from their text sources) and ingested into a temporary database by
kiun's real ingestion (``add_paths``); every question is answered by the offline answerer (search, the
confidence gate, the extractive answer: what staff get without an LLM). An answerable question is *right*
when the answer quotes its key phrase in a quote cited to the expected document. Prints per document kind,
per question style and overall: right, wrongly refused, wrongly answered; unanswerable questions refused
correctly or wrongly answered; and the p95 time per question.

``--folds K`` adds the held-out figures: the documents are split into K folds; for each fold the refusal
threshold is fitted on the other folds' questions (and, with ``--jsquad``, JSQuAD's calibration questions)
and the fold's questions are scored with it; then each fold's documents are removed from the index and their
questions, which the remaining documents do not answer, must be refused.

``--pdf-pages N`` also times the ingestion of one N-page PDF (the plan's pages repeated).

``--analyser sudachi`` measures a morphological analyser (SudachiPy with sudachidict-core, when installed; kiun
does not depend on it): the index terms of passages and queries get each word's normalized_form()
(申し込み → 申込) besides the character bigrams (``--analyser sudachi-only``: instead of them). It prints the
analyser's import and load time; with ``--jsquad`` also JSQuAD's recall@5 (all paragraphs indexed).

    python benchmarks/qa_answers.py [--folds 5] [--jsquad PATH] [--pdf-pages 200] [--analyser sudachi]
        [--database-url URL] [--verbose]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval import fresh_core  # noqa: E402
from retrieval import load as load_jsquad  # noqa: E402

from bot.app.core import Core  # noqa: E402
from bot.common import japanese  # noqa: E402
from bot.features.qa import index as qa_index  # noqa: E402
from bot.features.qa import ingest as qa_ingest  # noqa: E402
from bot.features.qa.answer import CONFIDENCE_THRESHOLD, answerable, extractive  # noqa: E402
from bot.features.qa.ingest import add_bytes, add_paths, remove  # noqa: E402
from bot.features.qa.search import search_with_confidence  # noqa: E402
from tests.fixtures.municipal import DATA, SOURCES, Question, load, materialize, plan_pdf  # noqa: E402

THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(51)]


@dataclass
class Result:
    question: Question
    confidence: float
    right: bool  # the extractive answer quotes the key phrase cited to the expected document
    extracted: bool  # the extractive answerer quoted something (it refuses when no sentence matches)
    ms: float
    text: str

    def answered(self, threshold: float) -> bool:
        return self.extracted and self.confidence >= threshold


def quoted_by_source(text: str, sources: dict[int, str]) -> dict[str, list[str]]:
    """The quoted lines of an extractive answer per cited file name (a list item belongs to the quote above)."""
    out: dict[str, list[str]] = defaultdict(list)
    current = None
    for line in text.splitlines():
        if not line.startswith("> "):
            continue
        body = re.sub(r"\\(.)", r"\1", line[2:])
        cited = re.search(r"\[(\d+)\]$", body)
        if cited:
            current = sources.get(int(cited.group(1)))
            body = body[: cited.start()]
        if current:
            out[current].append(body)
    return out


def _compact(text: str) -> str:
    return japanese.normalize(text).replace(" ", "").replace("\n", "")


def ask(core: Core, question: Question) -> Result:
    started = time.perf_counter()
    found, coverage = search_with_confidence(core, question.text)
    confidence = answerable(question.text, found, coverage)
    answer = extractive(question.text, found, "ja")
    ms = (time.perf_counter() - started) * 1000
    sources = {n: Path(c.doc).name for n, c in enumerate(answer.citations, start=1)}
    quotes = quoted_by_source(answer.text, sources) if answer.answered else {}
    lines = [line for doc in question.docs for line in quotes.get(doc, [])]
    right = any(all(_compact(key) in _compact(line) for key in question.keys) for line in lines)
    return Result(question, confidence, right, answer.answered, ms, answer.text)


def ingest(core: Core, folder: Path) -> int:
    outcomes = add_paths(core, [folder], added_by="benchmark")
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        print(f"  failed: {outcome.source}: {outcome.reason}", file=sys.stderr)
    return sum(o.chunks for o in outcomes)


def score(results: list[Result], threshold: float | dict[int, float]) -> dict[str, int]:
    counts = defaultdict(int)
    for i, r in enumerate(results):
        t = threshold[i] if isinstance(threshold, dict) else threshold
        answered = r.answered(t)
        if r.question.docs:
            counts["answerable"] += 1
            counts["right" if answered and r.right else "wrongly answered" if answered else "wrongly refused"] += 1
        else:
            counts["unanswerable"] += 1
            counts["wrongly answered (u)" if answered else "refused"] += 1
    return counts


def report(results: list[Result], threshold: float | dict[int, float], kinds: dict[str, str]) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        if r.question.docs:
            groups[kinds[r.question.docs[0]]].append(i)
            groups[f"style: {r.question.style}"].append(i)
    print("| kind | answerable | right | wrongly refused | wrongly answered |\n|---|---|---|---|---|")
    for name in sorted(groups, key=lambda g: (g.startswith("style"), g)):
        sub = [results[i] for i in groups[name]]
        sub_t = {j: threshold[i] for j, i in enumerate(groups[name])} if isinstance(threshold, dict) else threshold
        c = score(sub, sub_t)
        print(f"| {name} | {c['answerable']} | {c['right']} | {c['wrongly refused']} | {c['wrongly answered']} |")
    c = score(results, threshold)
    print(
        f"\nanswerable: {c['right']}/{c['answerable']} right ({c['right'] / max(1, c['answerable']):.1%}), "
        f"{c['wrongly refused']} wrongly refused, {c['wrongly answered']} wrongly answered"
    )
    print(
        f"unanswerable: {c['refused']}/{c['unanswerable']} refused ({c['refused'] / max(1, c['unanswerable']):.1%}), "
        f"{c['wrongly answered (u)']} wrongly answered"
    )


Pairs = list[tuple[float, bool, bool]]  # (confidence, answerable, right when answered)


def best_threshold(*sets: Pairs) -> float:
    """The threshold with the best balanced accuracy (answerable answered right, unanswerable refused), averaged
    over the sets (each set counts the same, whatever its size); among ties the middle one."""

    def balanced(pairs: Pairs, t: float) -> float:
        answerable_ = [(c, right) for c, a, right in pairs if a]
        other = [c for c, a, _ in pairs if not a]
        hit = sum(1 for c, right in answerable_ if right and c >= t) / max(1, len(answerable_))
        refused = sum(1 for c in other if c < t) / max(1, len(other))
        return (hit + refused) / 2

    values = [sum(balanced(pairs, t) for pairs in sets if pairs) / len(sets) for t in THRESHOLDS]
    best = [t for t, v in zip(THRESHOLDS, values, strict=True) if v >= max(values) - 1e-9]
    return best[len(best) // 2]


def jsquad_pairs(url: str, path: Path, sample: int = 300) -> list[tuple[float, bool, bool]]:
    """(confidence, answerable, right) for JSQuAD questions: half the articles indexed; right = own paragraph
    among the first three (what the extractive answer quotes from)."""
    paragraphs = load_jsquad(path)
    titles = sorted({title for title, _, _ in paragraphs})
    kept = set(titles[::2])
    core = fresh_core(url)
    for i, (title, context, _) in enumerate(paragraphs):
        if title in kept:
            add_bytes(core, f"jsquad/{i:05d}.txt", context.encode("utf-8"), "benchmark")
    rng = random.Random(3)
    inside = [(q, f"jsquad/{i:05d}.txt") for i, (t, _, qs) in enumerate(paragraphs) if t in kept for q in qs]
    outside = [q for t, _, qs in paragraphs if t not in kept for q in qs]
    pairs = []
    for question, gold in rng.sample(inside, sample):
        found, coverage = search_with_confidence(core, question)
        pairs.append((answerable(question, found, coverage), True, gold in [hit.source for hit in found[:3]]))
    for question in rng.sample(outside, sample):
        found, coverage = search_with_confidence(core, question)
        pairs.append((answerable(question, found, coverage), False, False))
    core.close()
    return pairs


ANALYSER_SKIPS = ("助詞", "助動詞", "補助記号", "空白")  # parts of speech left out of the index terms


def use_analyser(only: bool) -> None:
    """Index terms with SudachiPy's normalized forms, for this process (kiun's own index_terms is the baseline)."""
    started = time.perf_counter()
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict="core").create(SplitMode.C)
    print(f"analyser: SudachiPy + sudachidict-core imported and loaded in {time.perf_counter() - started:.2f} s")
    bigrams = qa_index.index_terms

    def index_terms(text: str) -> list[str]:
        words = [
            "=" + m.normalized_form()[: qa_index.MAX_TERM - 1]
            for line in japanese.normalize(text).splitlines()
            for m in tokenizer.tokenize(line[:10000])
            if m.part_of_speech()[0] not in ANALYSER_SKIPS and m.normalized_form().strip()
        ]
        words = [word.replace(" ", "") for word in words]
        return words if only else bigrams(text) + words

    qa_index.index_terms = index_terms  # the index and the ingestion look it up at call time
    qa_ingest.index_terms = index_terms


def jsquad_recall(url: str, path: Path) -> None:
    """JSQuAD recall@5 with every paragraph indexed (benchmarks/retrieval.py's first figure)."""
    from retrieval import build, evaluate

    paragraphs = load_jsquad(path)
    core = fresh_core(url)
    seconds = build(core, paragraphs, [])
    figures = evaluate(core, paragraphs)
    core.close()
    print(f"JSQuAD: indexed in {seconds:.1f} s; " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=0, help="held-out figures with K folds by document")
    parser.add_argument("--jsquad", type=Path, default=None, help="JSQuAD validation JSON: fit thresholds on it too")
    parser.add_argument("--set", type=Path, default=DATA, help="question set folder (default: the development set)")
    parser.add_argument("--database-url", default=None, help="database to use (default: a temporary SQLite file)")
    parser.add_argument("--verbose", action="store_true", help="print every question that is not right")
    parser.add_argument("--pdf-pages", type=int, default=0, help="also time ingesting one PDF of this many pages")
    parser.add_argument("--analyser", choices=["sudachi", "sudachi-only"], default=None, help="measure SudachiPy")
    args = parser.parse_args()
    if args.analyser:
        use_analyser(only=args.analyser == "sudachi-only")
    workdir = Path(tempfile.mkdtemp(prefix="kiun-qa-answers-"))
    url = args.database_url or f"sqlite:///{workdir}/qa.db"
    dev = load(args.set)
    files = materialize(workdir / "docs", args.set)
    core = fresh_core(url)
    started = time.perf_counter()
    chunks = ingest(core, workdir / "docs")
    seconds = time.perf_counter() - started
    answerable = sum(1 for q in dev.questions if q.docs)
    print(
        f"{args.set.name}: {len(files)} documents, {chunks} passages (ingested in {seconds:.1f} s); "
        f"{answerable} answerable questions, {len(dev.questions) - answerable} unanswerable\n"
    )
    results = [ask(core, q) for q in dev.questions]
    latencies = sorted(r.ms for r in results)
    print(f"threshold {CONFIDENCE_THRESHOLD} (shipped)\n")
    report(results, CONFIDENCE_THRESHOLD, dev.kinds)
    print(f"p50 {latencies[len(latencies) // 2]:.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms")
    if args.verbose:
        for r in results:
            if (r.answered(CONFIDENCE_THRESHOLD) and not r.right) or (r.question.docs and not r.right):
                print(f"\n--- {r.question.text} [{r.question.docs} {r.question.keys}] conf {r.confidence:.2f}")
                print(r.text)
            elif not r.question.docs and r.answered(CONFIDENCE_THRESHOLD):
                print(f"\n--- (unanswerable) {r.question.text} conf {r.confidence:.2f}\n{r.text}")
    if args.folds:
        held_out(args, core, dev, results, url)
    core.close()
    if args.analyser and args.jsquad:
        jsquad_recall(f"sqlite:///{workdir}/jsquad-recall.db", args.jsquad)
    if args.pdf_pages:
        pdf_ingestion(args.pdf_pages, workdir)
    return 0


def pdf_ingestion(pages: int, workdir: Path) -> None:
    """Time the ingestion of one ``pages``-page PDF (the development set's plan, its pages repeated)."""
    head, _, body = (SOURCES / "dx-plan.pdf.txt").read_text(encoding="utf-8").partition("===page===")
    plan = body.split("===page===")
    path = workdir / "long-plan.pdf"
    path.write_bytes(plan_pdf(head + "".join("===page===" + plan[i % len(plan)] for i in range(pages - 1))))
    core = fresh_core(f"sqlite:///{workdir}/pdf.db")
    started = time.perf_counter()
    [outcome] = add_paths(core, [path], added_by="benchmark")
    seconds = time.perf_counter() - started
    core.close()
    size = path.stat().st_size // 1024
    print(f"\none {pages}-page PDF ({size} KiB): {outcome.status}, {outcome.chunks} passages in {seconds:.1f} s")


def held_out(args, core: Core, dev, results: list[Result], url: str) -> None:
    documents = sorted(dev.kinds)
    fold_of = {doc: k % args.folds for k, doc in enumerate(documents)}
    item_fold = {}
    unanswerable = 0
    for i, r in enumerate(results):
        if r.question.docs:
            item_fold[i] = fold_of[r.question.docs[0]]
        else:
            item_fold[i] = unanswerable % args.folds
            unanswerable += 1
    extra = jsquad_pairs(f"sqlite:///{tempfile.mkdtemp()}/jsquad.db", args.jsquad) if args.jsquad else []
    # Questions whose documents are removed: each fold's documents out of the index in turn.
    removed: list[tuple[int, Result]] = []
    for k in range(args.folds):
        kept = _without(core, [doc for doc in documents if fold_of[doc] == k])
        for r in results:
            docs = r.question.docs
            if docs and all(fold_of[d] == k for d in docs):
                removed.append((k, ask(core, Question(r.question.text, [], style="removed"))))
        kept()
    thresholds = {}
    fitted = []
    for k in range(args.folds):
        pairs = [(r.confidence, bool(r.question.docs), r.right) for i, r in enumerate(results) if item_fold[i] != k]
        pairs += [(r.confidence, False, False) for fold, r in removed if fold != k]
        t = best_threshold(pairs, extra) if extra else best_threshold(pairs)
        fitted.append(t)
        thresholds.update({i: t for i in item_fold if item_fold[i] == k})
    every = [(r.confidence, bool(r.question.docs), r.right) for r in results]
    every += [(r.confidence, False, False) for _, r in removed]
    print(f"\nthreshold fitted on all questions: {best_threshold(every, extra) if extra else best_threshold(every)}")
    print(f"held out by document, {args.folds} folds; thresholds fitted per fold: {fitted}")
    print("(fitted on the other folds' questions" + (" and JSQuAD" if extra else "") + ")\n")
    report(results, thresholds, dev.kinds)
    refused = sum(1 for k, r in removed if not r.answered(fitted[k]))
    print(f"questions whose document is removed from the index: {refused}/{len(removed)} refused")


def _without(core: Core, names: list[str]):
    """Remove the documents named (file names) from the index; returns a function that puts them back."""
    from bot.features.qa.ingest import documents

    saved = []
    for document in documents(core):
        if Path(document.source).name in names:
            saved.append(Path(document.source))
            remove(core, document.id)
    return lambda: add_paths(core, saved, added_by="benchmark")


if __name__ == "__main__":
    sys.exit(main())
