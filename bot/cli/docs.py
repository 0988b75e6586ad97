"""``kiun docs add|list|remove|reindex|search|gaps`` and ``kiun ask``: the DX office's document Q&A tools."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.app.config import Settings
from bot.chat.markup import plain
from bot.cli.connect import open_core
from bot.features.qa.answer import ask, gaps
from bot.features.qa.ingest import add_paths, documents, reindex, remove
from bot.features.qa.search import search


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    docs = subparsers.add_parser("docs", help="documents /ask answers from: add, list, remove, search, gaps")
    sub = docs.add_subparsers(dest="docs_command", required=True)
    add = sub.add_parser(
        "add",
        help="add files or folders (PDF, DOCX, HTML, Markdown, TXT, XLSX)",
        description="Add files, or every supported file in folders (recursively). Unchanged files are skipped; "
        "a changed file replaces its old version; a file that cannot be read is reported with the reason.",
    )
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    add.set_defaults(run=_add)
    sub.add_parser("list", help="the documents in the index").set_defaults(run=_list)
    remove = sub.add_parser("remove", help="remove a document (see kiun docs list for ids)")
    remove.add_argument("id", type=int, help="document id")
    remove.set_defaults(run=_remove)
    sub.add_parser("reindex", help="rebuild the search index from the stored passages").set_defaults(run=_reindex)
    search = sub.add_parser(
        "search",
        help="search the documents",
        description="Search the documents. With --json and no QUERY, read one query per line from standard "
        "input and print one JSON object per line.",
    )
    search.add_argument("query", nargs="?", help="what to search for")
    search.add_argument("--limit", type=int, default=5, help="passages to show (default 5)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(run=_search)
    gaps = sub.add_parser("gaps", help="questions the documents did not answer or that were rated 👎")
    gaps.add_argument("--limit", type=int, default=100, help="how many, newest first (default 100)")
    gaps.set_defaults(run=_gaps)

    ask = subparsers.add_parser(
        "ask",
        help="answer a question from the documents, as /ask would",
        description="Answer a question from the documents, as /ask would (no daily limit; logged as 'cli').",
    )
    ask.add_argument("question", help="the question")
    ask.add_argument("--json", action="store_true", help='print {"answered","text","citations","mode"}')
    ask.set_defaults(run=_ask)


class StderrProgress:
    """A one-line progress bar on standard error (redrawn in a terminal, one line a file otherwise)."""

    WIDTH = 24

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()

    def __call__(self, number: int, total: int, name: str) -> None:
        filled = self.WIDTH * number // max(total, 1)
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {number}/{total} {name}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if number == total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _add(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        outcomes = add_paths(core, args.paths, progress=StderrProgress())
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status == "failed":
            print(f"failed     {outcome.source}: {outcome.reason}", file=sys.stderr)
        else:
            print(f"{outcome.status:<10} {outcome.source} ({outcome.chunks} passages, id {outcome.document_id})")
    summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("added", "updated", "unchanged", "failed"))
    print(f"kiun: {summary}", file=sys.stderr)
    return 1 if counts.get("failed") else 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        rows = documents(core)
    if not rows:
        print("kiun: no documents yet; add some with kiun docs add PATH", file=sys.stderr)
    for doc in rows:
        when = doc.updated_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"{doc.id:>5}  {doc.kind:<5} {doc.chunk_count:>4} passages  {when}  {doc.title}  ({doc.source})")
    return 0


def _remove(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        doc = remove(core, args.id)
    if doc is None:
        print(f"kiun: no document with id {args.id} (see kiun docs list)", file=sys.stderr)
        return 1
    print(f"kiun: removed {doc.id} {doc.title} ({doc.source})")
    return 0


def _reindex(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        count = reindex(core, progress=StderrProgress())
    print(f"kiun: {count} passages indexed")
    return 0


def _search(settings: Settings, args: argparse.Namespace) -> int:
    if args.query is None and not args.json:
        print("kiun: give a QUERY, or use --json to read queries from standard input", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("kiun: --limit must be 1 or more", file=sys.stderr)
        return 2
    with open_core(settings) as core:
        queries = [args.query] if args.query is not None else (line.strip() for line in sys.stdin)
        for query in queries:
            if not query:
                continue
            found = search(core, query, args.limit)
            if args.json:
                print(json.dumps({"query": query, "results": [h.as_dict() for h in found]}, ensure_ascii=False))
                sys.stdout.flush()
                continue
            if not found:
                print("kiun: nothing found", file=sys.stderr)
            for n, hit in enumerate(found, start=1):
                where = " > ".join(p for p in (hit.title, hit.section) if p) + (f" p.{hit.page}" if hit.page else "")
                print(f"[{n}] {hit.score:.3f}  {where}  ({hit.source})\n    {hit.text[:200]}")
    return 0


def _gaps(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        rows = gaps(core, args.limit)
    if not rows:
        print("kiun: no unanswered or 👎-rated questions", file=sys.stderr)
    for gap in rows:
        when = gap.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"{when}  {gap.reason:<9}  {gap.question}")
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    with open_core(settings) as core:
        result = ask(core, args.question, "cli", platform="cli", lang=settings.kiun_locale, quota=False)
    if args.json:
        data = result.as_json() | {"text": plain(result.text)}
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(plain(result.text))
    return 0
