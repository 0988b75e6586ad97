"""What serving the city's own content costs: the served folder's check per read, its rebuild after a publish,
and the check of an upload (the served tree with the new file laid over it, checked whole).

Publishes ``--versions`` city versions (lessons replacing bundled ones and new facts), then times
``content_root`` when nothing changed (one small query), right after a publish (rebuild), the lesson catalogue
read from it, and ``check_new`` for one lesson (what an upload waits for before its preview).

    python benchmarks/content_tree.py [--versions 40] [--reads 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app.config import load_settings  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.common.paths import content_dir  # noqa: E402
from bot.content import store, tree  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.session import transaction  # noqa: E402
from bot.features.content.checks import check_new  # noqa: E402
from bot.features.lessons.catalogue import catalogue  # noqa: E402

FACT = """id: city-fact-{n}
text: 市のデータ{n}です。
value: {n}
unit: "%"
source:
  name: 市 住民基本台帳
"""


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=40, help="city versions published before timing")
    parser.add_argument("--reads", type=int, default=500, help="content_root calls timed when nothing changed")
    parser.add_argument("--database-url", default=None, help="database (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kiun-content-bench-')}/kiun.db"
    upgrade(url)
    core = Core.create(load_settings(database_url=url))
    lessons = sorted((content_dir() / "lessons").glob("*.md"))
    with transaction(core.sessions) as session:
        for n in range(args.versions):
            if n < len(lessons):
                body = lessons[n].read_text(encoding="utf-8").replace("title: ", "title: 市の", 1)
                key = store.key_of("lesson", lessons[n].name, body)
                store.add_version(session, "lesson", key, lessons[n].name, body, "bench", state=store.PUBLISHED)
            else:
                body = FACT.format(n=n)
                store.add_version(session, "fact", f"city-fact-{n}", f"f{n}.yml", body, "bench", state=store.PUBLISHED)

    rebuilds, reads, catalogues, checks = [], [], [], []
    for n in range(10):
        with transaction(core.sessions) as session:  # a publish: the next read rebuilds the folder
            store.add_version(session, "fact", "city-fact-x", "x.yml", FACT.format(n=n), "bench", state=store.PUBLISHED)
        started = time.perf_counter()
        root = tree.content_root(core.engine)
        rebuilds.append(time.perf_counter() - started)
        started = time.perf_counter()
        catalogue(root)
        catalogues.append(time.perf_counter() - started)
    for _ in range(args.reads):
        started = time.perf_counter()
        tree.content_root(core.engine)
        reads.append(time.perf_counter() - started)
    body = lessons[0].read_text(encoding="utf-8")
    item = tree.Item("lesson", store.key_of("lesson", lessons[0].name, body), "upload.md", body)
    with core.sessions() as session:
        for _ in range(10):
            started = time.perf_counter()
            assert check_new(session, [item]).problems == []
            checks.append(time.perf_counter() - started)
    files = sum(1 for path in tree.content_root(core.engine).rglob("*") if path.is_file())
    print(f"database {core.engine.dialect.name}; {args.versions + 10} published versions; served tree {files} files\n")
    print(f"content_root, nothing changed  ({args.reads} reads)  {ms(reads)}")
    print(f"content_root after a publish   (10 rebuilds)  {ms(rebuilds)}")
    print(f"lesson catalogue, first read   (10)           {ms(catalogues)}")
    print(f"check_new, one lesson upload   (10)           {ms(checks)}")
    core.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
