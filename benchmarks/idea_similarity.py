"""How long the similar-idea check takes before an idea is saved, by number of stored ideas (SQLite file).

Run: ``python benchmarks/idea_similarity.py`` — prints a Markdown table: the first check after start (which
splits every stored idea's text) and the median and p95 of the next 19 (term vectors cached in memory).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bot.app.config import load_settings
from bot.app.core import Core
from bot.db.migrate import upgrade
from bot.db.session import transaction
from bot.features.ideas.rules import IdeaFields
from bot.features.ideas.similar import similar_ideas
from bot.features.ideas.store import dedupe_key, search_text
from bot.models import Idea

WORDS = [
    "会議",
    "資料",
    "印刷",
    "申請",
    "押印",
    "窓口",
    "予約",
    "住民",
    "職員",
    "タブレット",
    "生成AI",
    "議事録",
    "ローコード",
    "電子化",
    "共有",
    "集計",
    "台帳",
    "照合",
    "郵送",
    "電話",
]


def sentence(rng: random.Random, n: int) -> str:
    return (
        "、".join(
            rng.choice(WORDS) + rng.choice(["を見直します", "を減らします", "を自動化します", "に使います"])
            for _ in range(n)
        )
        + "。"
    )


def main() -> None:
    rng = random.Random(7)
    print("| stored ideas | first check after start ms | median ms | p95 ms |")
    print("|---|---|---|---|")
    for count in (100, 500, 2000, 5000):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            core = Core.create(load_settings(_env_file=None, DATABASE_URL=url))
            rows = []
            for n in range(count):
                fields = IdeaFields(title=sentence(rng, 1)[:40], problem=sentence(rng, 4), proposal=sentence(rng, 6))
                rows.append(
                    {"proposer_id": f"U{n}", "title": fields.title, "problem": fields.problem,
                     "proposal": fields.proposal, "search_text": search_text(fields),
                     "dedupe_key": dedupe_key(f"U{n}", fields)}
                )  # fmt: skip
            with transaction(core.sessions) as session:
                session.execute(insert(Idea), rows)
            timings = []
            for _ in range(20):
                wanted = IdeaFields(title=sentence(rng, 1)[:40], problem=sentence(rng, 4), proposal=sentence(rng, 6))
                started = time.perf_counter()
                with core.sessions() as session:
                    similar_ideas(session, wanted)
                timings.append((time.perf_counter() - started) * 1000)
            core.close()
        cold, warm = timings[0], sorted(timings[1:])
        p95 = warm[int(len(warm) * 0.95) - 1]
        print(f"| {count} | {cold:.0f} | {statistics.median(warm):.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
