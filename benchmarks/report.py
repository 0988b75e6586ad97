"""How long the monthly engagement report and the admin's App Home take on a seeded month.

Run: ``python benchmarks/report.py`` — seeds tests/fixtures/engagement_month.py (300 staff, a month of polls,
ideas, quizzes and questions) into a fresh SQLite file (or the empty PostgreSQL database in
``KIUN_BENCH_DATABASE_URL``) and prints a Markdown table: the report's build split into gathering the figures,
drawing the charts and writing the HTML (with the font subset), and the admin's Home view, median of 5 runs
after one warm-up. Goal: the report in under 5 s. It runs at the end of the seeded month (freezegun, ticking), so
the Home shows that month on any date.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from freezegun import freeze_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app.core import Core  # noqa: E402
from bot.chat.address import User  # noqa: E402
from bot.chat.request import Request
from bot.common.text import day_text  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.features import build_router  # noqa: E402
from bot.features.report.figures import gather  # noqa: E402
from bot.features.report.month import Month  # noqa: E402
from bot.features.report.page import render_html  # noqa: E402
from bot.features.report.report import build_report  # noqa: E402
from bot.features.report.visuals import draw_charts  # noqa: E402
from bot.platforms.slack.blocks import home_view  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.fixtures.engagement_month import ADMIN, seed_month  # noqa: E402

RUNS = 5
MONTH = Month(2026, 11)
NOW = "2026-11-27T03:00:00Z"  # the seeded month's last Friday, 12:00 in Tokyo


def timed(func) -> tuple[float, object]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def median_of(func) -> tuple[float, object]:
    func()  # warm-up: imports, font and lesson caches
    results = [timed(func) for _ in range(RUNS)]
    return statistics.median(seconds for seconds, _ in results), results[-1][1]


def main() -> None:
    url = os.environ.get("KIUN_BENCH_DATABASE_URL")
    folder = tempfile.TemporaryDirectory()
    url = url or f"sqlite:///{Path(folder.name) / 'report.db'}"
    upgrade(url)
    core = Core.create(make_settings(url))
    seed_seconds, _ = timed(lambda: seed_month(core))
    lang = core.settings.kiun_locale
    gather_seconds, figures = median_of(lambda: gather(core, MONTH))
    charts_seconds, images = median_of(lambda: draw_charts(figures, lang))
    html_seconds, html = median_of(lambda: render_html(figures, images, lang))
    build_seconds, built = median_of(lambda: build_report(core, MONTH))
    router = build_router()
    request = Request(User(platform="slack", id=ADMIN), kind="command", command="home", is_admin=True)
    home_seconds, reply = median_of(lambda: router.dispatch(core, request))
    backend = core.engine.dialect.name
    month = day_text(MONTH.first, "month")
    print(f"Engagement report, {month} seeded ({seed_seconds:.1f} s to seed), {backend}, median of {RUNS}\n")
    print("| step | seconds |")
    print("|:--|--:|")
    print(f"| gather the figures | {gather_seconds:.2f} |")
    print(f"| draw {len(images)} charts | {charts_seconds:.2f} |")
    print(f"| write the HTML (with the font subset) | {html_seconds:.2f} |")
    print(f"| **whole report** (`build_report`, {len(built.html) / 1024:,.0f} KB) | **{build_seconds:.2f}** |")
    print(f"| admin's App Home ({len(home_view(reply)['blocks'])} blocks) | {home_seconds:.2f} |")
    core.close()
    folder.cleanup()


if __name__ == "__main__":
    with freeze_time(NOW, tick=True):
        main()
