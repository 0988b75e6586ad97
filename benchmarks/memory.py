"""Memory (RSS) of a real ``kiun serve --http`` process (with its scheduler and outbox sender): idle on an empty
database, then on a database holding 20,000 indexed chunks — idle, and after answering ``--questions`` ``/ask``.

The chunks are those of ``benchmarks/retrieval.py`` (JSQuAD v1.3 validation paragraphs plus synthetic distractors,
indexed by kiun's real ingestion in a process of its own, whose peak RSS is reported too). Slack is a local
stand-in; no LLM is configured (answers are extractive), so the figures are kiun's own.

    python benchmarks/memory.py [--questions 200] [--data PATH] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import rss_mib, wait_until  # noqa: E402
from retrieval import DEFAULT_DATA, LARGE, build, fresh_core, load, padding  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.db.migrate import upgrade  # noqa: E402
from bot.models import QaChunk  # noqa: E402
from tests.conftest import SIGNING_SECRET  # noqa: E402
from tests.fakes.signing import SlackSender  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.integration.processes import KiunProcess, serve_http  # noqa: E402

SETTLE_SECONDS = 5.0


def index(url: str, data: Path) -> None:
    """``--index``: 20,000 chunks into ``url``; prints {"chunks", "seconds", "peak_mib"} as JSON."""
    paragraphs = load(data)
    core = fresh_core(url)
    seconds = build(core, paragraphs, padding(paragraphs, LARGE - len(paragraphs)))
    with core.sessions() as session:
        chunks = session.scalar(select(func.count(QaChunk.id)))
    print(json.dumps({"chunks": chunks, "seconds": seconds, "peak_mib": rss_mib(os.getpid(), "VmHWM")}))


def serve(url: str, slack: FakeSlackAPI, log: Path) -> KiunProcess:
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "KIUN_LOG_LEVEL": "WARNING",
        "KIUN_QA_DAILY_LIMIT": "0",
    }
    kiun = serve_http(env, log)
    kiun.wait_status("/healthz", 200, timeout=60)
    time.sleep(SETTLE_SECONDS)
    return kiun


def ask(kiun: KiunProcess, slack: FakeSlackAPI, questions: list[str]) -> int:
    """Each question as ``/ask``, one after the other (each answer awaited); how many were answered."""
    sender = SlackSender(f"{kiun.url}/slack/events", SIGNING_SECRET, slack.base_url)
    answered = 0
    for n, question in enumerate(questions):
        before = sum(1 for call in slack.calls if call.method.startswith("/commands/"))
        sender.command("/ask", question, user_id=f"U{n % 50:04d}")
        answered += wait_until(
            lambda before=before: sum(1 for c in slack.calls if c.method.startswith("/commands/")) > before, 30
        )
    return answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSQuAD validation JSON")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--index", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.index:
        index(args.index, args.data)
        return 0
    if not args.data.exists():
        print(f"memory benchmark: {args.data} not found (JSQuAD v1.3 validation; see docs/qa.md)", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="kiun-memory-"))
    url = args.database_url or f"sqlite:///{folder / 'kiun.db'}"
    upgrade(url)
    fresh_core(url).close()  # an empty index
    slack = FakeSlackAPI().start()
    rows = []

    kiun = serve(url, slack, folder / "empty.log")
    rows.append(("idle, empty database", rss_mib(kiun.pid), rss_mib(kiun.pid, "VmHWM")))
    kiun.stop()

    indexing = subprocess.run(
        [sys.executable, str(Path(__file__)), "--index", url, "--data", str(args.data)],
        capture_output=True,
        text=True,
        check=True,
    )
    built = json.loads(indexing.stdout.strip().splitlines()[-1])
    indexed = f"indexing {built['chunks']:,} chunks ({built['seconds']:.0f} s, a process of its own)"
    rows.append((indexed, None, built["peak_mib"]))

    questions = [q for _, _, qs in load(args.data) for q in qs]
    random.Random(5).shuffle(questions)
    kiun = serve(url, slack, folder / "indexed.log")
    rows.append((f"idle, {built['chunks']:,} chunks", rss_mib(kiun.pid), rss_mib(kiun.pid, "VmHWM")))
    answered = ask(kiun, slack, questions[: args.questions])
    after = f"after {answered} /ask over {built['chunks']:,} chunks"
    rows.append((after, rss_mib(kiun.pid), rss_mib(kiun.pid, "VmHWM")))
    kiun.stop()
    slack.stop()

    backend = url.split(":", 1)[0]
    print(f"kiun serve --http (scheduler and outbox sender on), {backend}, RSS in MiB\n")
    print("| state | RSS | peak RSS |")
    print("|:--|--:|--:|")
    for name, rss, peak in rows:
        print(f"| {name} | {'—' if rss is None else f'{rss:.0f}'} | {peak:.0f} |")
    return 0 if answered == args.questions else 1


if __name__ == "__main__":
    sys.exit(main())
