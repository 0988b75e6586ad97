"""The monthly engagement report and the App Home on a seeded month (tests/fixtures/engagement_month.py): every
figure against the fixture's own totals, the anonymity thresholds, the Home's size, and the page in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import pytest
from freezegun import freeze_time

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.request import Request
from bot.features import build_router
from bot.features.ideas.rules import STATUSES
from bot.features.lessons.catalogue import catalogue
from bot.features.report.month import Month
from bot.features.report.report import Report, build_report
from bot.platforms.slack.blocks import MAX_VIEW_BLOCKS, home_view, reply_blocks
from tests.addresses import as_user
from tests.conftest import _truncate, make_settings
from tests.fixtures.engagement_month import ADMIN, NO_GROUP, STAFF, Expected, seed_month
from tests.report_browser import render_in_chromium

NOVEMBER = Month(2026, 11)
NOW = "2026-11-27T03:00:00Z"  # Friday 27 November, 12:00 in Tokyo


@dataclass
class Seeded:
    core: Core
    expected: Expected
    report: Report
    figures: dict[str, str]  # data-figure name → text shown


class FigureParser(HTMLParser):
    """Collects the text of every element carrying ``data-figure``, the charts and any external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.charts: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-figure" in values:
            self._open.append(values["data-figure"])
            self.figures[values["data-figure"]] = ""
        if tag == "img":
            self.charts.append(values.get("data-chart") or "")
            if not (values.get("src") or "").startswith("data:image/png;base64,"):
                self.external.append(values.get("src") or "")
        if tag == "script":
            self.scripts += 1
        for name in ("href", "src"):
            if (values.get(name) or "").startswith(("http:", "https:", "//")):
                self.external.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in ("td", "div", "li"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.figures[self._open[-1]] += data


@pytest.fixture(scope="module")
def seeded(database_url: str) -> Iterator[Seeded]:
    core = Core.create(make_settings(database_url))
    _truncate(core)
    with freeze_time(NOW):
        expected = seed_month(core)
        report = build_report(core, NOVEMBER)
    parser = FigureParser()
    parser.feed(report.html.decode("utf-8"))
    yield Seeded(core, expected, report, parser.figures)
    _truncate(core)
    core.close()


def people(n: int) -> str:
    return f"{n:,}人"


def items(n: int) -> str:
    return f"{n:,}件"


def pct(part: int, whole: int) -> str:
    """Whole percent rounded half up, in integers."""
    return f"{(200 * part + whole) // (2 * whole)}%"


def test_headline_figures_match_the_fixture(seeded: Seeded) -> None:
    expected, figures, shown = seeded.expected, seeded.report.figures, seeded.figures
    november, october = expected.november, expected.october
    glance = figures.glance
    assert glance.active_staff == len(november.active) and shown["active_staff"] == people(len(november.active))
    assert figures.previous.active_staff == len(october.active)
    recipients = sum(recipients for _, recipients, _ in expected.month_runs)
    responses = sum(responses for _, _, responses in expected.month_runs)
    assert (glance.poll_recipients, glance.poll_responses) == (recipients, responses) == (1200, 467)
    assert shown["response_rate"] == pct(responses, recipients)
    latest, before = expected.trend[-1], expected.trend[-2]
    assert glance.momentum.run == latest[0] and glance.momentum.index == latest[4]
    assert glance.momentum_change == round(latest[4] - before[4], 1)
    assert shown["momentum"] == f"{latest[4]:.1f}点"
    assert (
        (glance.ideas_received, glance.ideas_adopted, glance.ideas_implemented)
        == (
            november.ideas_received,
            len(november.adopted),
            len(november.implemented),
        )
        == (45, 17, 4)
    )
    assert shown["ideas_received"] == items(45) and shown["ideas_adopted"] == items(17)
    assert shown["ideas_implemented"] == items(4)
    assert (figures.previous.ideas_received, figures.previous.ideas_adopted) == (12, 3)
    assert (glance.questions_answered, glance.questions_refused) == (november.questions_answered, 14)
    assert shown["questions_answered"] == items(november.questions_answered) == items(40)
    assert shown["questions_refused"] == items(14)
    assert (figures.previous.questions_answered, figures.previous.questions_refused) == (20, 8)


def test_momentum_trend_and_departments_match_the_fixture(seeded: Seeded) -> None:
    expected, momentum, shown = seeded.expected, seeded.report.figures.momentum, seeded.figures
    assert [(p.run, p.opened_on, p.responses, p.recipients, p.index) for p in momentum.trend] == expected.trend
    assert len(momentum.trend) == 6  # the run still open on 11/30 is not in the trend
    for run, _, responses, recipients, index in expected.trend:
        assert shown[f"momentum.{run}.index"] == f"{index:.1f}点"
        assert shown[f"momentum.{run}.responses"] == items(responses)
        assert shown[f"momentum.{run}.rate"] == pct(responses, recipients)
    by_key = {group.key: group for group in momentum.departments}
    assert {key: group.index for key, group in by_key.items()} == expected.department_index
    assert {key for key, index in expected.department_index.items() if index is None} == {"gikai", NO_GROUP}
    for key, index in expected.department_index.items():
        text = shown[f"momentum.department.{key}"]
        assert text == (t("report.hidden") if index is None else f"{index:.1f}点")
        if index is not None:
            assert by_key[key].n == expected.department_sizes[key]
    assert "DXは自分の仕事に関係があると感じる" in momentum.core_questions[0]


def test_funnel_and_polls_match_the_fixture(seeded: Seeded) -> None:
    november, funnel, shown = seeded.expected.november, seeded.report.figures.funnel, seeded.figures
    assert (funnel.reached, funnel.learned, funnel.contributed, funnel.asked, funnel.active) == (
        len(STAFF),
        len(november.readers),
        len(november.contributors),
        len(november.askers),
        len(november.active),
    )
    assert shown["funnel.reached"] == people(300) and shown["funnel.learned"] == people(len(november.readers))
    assert shown["funnel.asked"] == people(len(november.askers))
    for run, recipients, responses in seeded.expected.month_runs:
        assert (shown[f"poll.{run}.responses"], shown[f"poll.{run}.recipients"]) == (
            items(responses),
            items(recipients),
        )


def test_ideas_match_the_fixture(seeded: Seeded) -> None:
    expected, ideas, shown = seeded.expected, seeded.report.figures.ideas, seeded.figures
    assert ideas.by_status == {status: expected.by_status.get(status, 0) for status in STATUSES}
    for status in STATUSES:
        assert shown[f"ideas.status.{status}"] == items(expected.by_status.get(status, 0))
    departments = {row.key: (row.ideas, row.adopted) for row in ideas.departments}
    assert departments == expected.idea_departments
    for key, (count, adopted) in expected.idea_departments.items():
        hidden = t("report.hidden")
        assert shown[f"ideas.department.{key}.received"] == (hidden if count is None else items(count))
        assert shown[f"ideas.department.{key}.adopted"] == (hidden if adopted is None else items(adopted))
    assert (ideas.median_days, ideas.mean_days) == (expected.median_days, expected.mean_days)
    assert shown["ideas.median_days"] == f"{expected.median_days:.1f}日"
    assert ideas.responded == len(expected.response_days) == 35
    assert shown["ideas.responded"] == "45件中35件"
    assert [(row.id, row.status, row.votes) for row in ideas.adopted_list] == expected.adopted_list
    assert len(ideas.adopted_list) == 18
    html = seeded.report.html.decode("utf-8")
    assert all(f"<td class=num>#{idea_id}</td>" in html for idea_id, _, _ in expected.adopted_list)


def test_quizzes_match_the_fixture(seeded: Seeded) -> None:
    expected, quizzes, shown = seeded.expected, seeded.report.figures.quizzes, seeded.figures
    titles = {lesson.id: lesson.title for lesson in catalogue().lessons}
    assert quizzes.posted == [titles[lesson] for lesson in expected.posted]
    assert shown["quizzes.posted"].startswith(items(4))
    assert (quizzes.answers, quizzes.correct, quizzes.participants) == (
        expected.quiz_answers,
        expected.quiz_correct,
        len(expected.quiz_participants),
    )
    assert shown["quizzes.answers"] == items(expected.quiz_answers)
    assert shown["quizzes.participants"] == people(len(expected.quiz_participants))
    assert shown["quizzes.rate"] == pct(expected.quiz_correct, expected.quiz_answers)
    assert {row.lesson_id: (row.answers, row.correct) for row in quizzes.lessons} == expected.per_lesson
    for lesson, (answers, correct) in expected.per_lesson.items():
        assert shown[f"quizzes.lesson.{lesson}.rate"] == pct(correct, answers)
    assert [row.lesson_id for row in quizzes.hardest] == expected.hardest
    assert shown["quizzes.hardest.1"].startswith(titles[expected.hardest[0]])


def test_questions_match_the_fixture(seeded: Seeded) -> None:
    expected, qa, shown = seeded.expected, seeded.report.figures.questions, seeded.figures
    november = expected.november
    assert (
        (qa.total, qa.answered, qa.refused, qa.blocked)
        == (
            expected.qa_total,
            november.questions_answered,
            november.questions_refused,
            expected.qa_blocked,
        )
        == (58, 40, 14, 3)
    )  # the 4 questions tried with `kiun ask` are not counted
    assert qa.askers == len(november.askers) and shown["qa.askers"] == people(len(november.askers))
    assert shown["qa.refusal_rate"] == pct(14, 58)
    assert (qa.rated, qa.helpful) == (expected.rated, expected.helpful) == (20, 15)
    assert shown["qa.helpful_rate"].startswith("75%")
    assert qa.gaps == expected.gaps
    assert shown["qa.gap.1"] == f"{expected.gaps[0][0]}（{expected.gaps[0][1]}回）"


def test_the_report_is_one_offline_file(seeded: Seeded) -> None:
    html = seeded.report.html.decode("utf-8")
    parser = FigureParser()
    parser.feed(html)
    assert parser.external == [] and parser.scripts == 0
    assert sorted(parser.charts) == ["funnel", "ideas", "momentum", "questions", "quizzes"]
    assert html.startswith('<!DOCTYPE html><html lang="ja">')
    assert "font/ttf;base64," in html  # the Japanese font travels with the file
    assert "DX機運 月次レポート 2026年11月" in html and "集計期間: 2026年11月1日〜2026年11月30日" in html
    assert re.search(r"作成: 2026年11月27日 12:00", html)
    assert seeded.report.filename == "kiun-report-2026-11.html"


def test_admin_home_stays_within_slacks_limit_with_a_busy_month(seeded: Seeded) -> None:
    core, expected = seeded.core, seeded.expected
    router = build_router()
    with freeze_time(NOW):
        reply = router.dispatch(core, Request(as_user(ADMIN, "slack"), kind="command", command="home", is_admin=True))
    blocks = reply_blocks(reply, limit=10_000)  # untruncated
    assert len(blocks) <= MAX_VIEW_BLOCKS and len(home_view(reply)["blocks"]) == len(blocks)
    text = "\n".join(section.text for section in reply.sections)
    assert "続けて回答した週: **4週**" in text  # the admin answered every week of November
    assert "DX機運パルス — 締切 12/4（金）・回答済み 2/6問" in text
    assert text.count("\n• #") == 5 and f"ほか{expected.admin_ideas - 5}件" in text
    assert "情報セキュリティ" in text and "クイズ回答済み" in text  # the latest lesson, answered
    glance = {field.label: field.value for section in reply.sections for field in section.fields}
    november = expected.november
    assert glance[t("report.glance.active")] == people(len(november.active))
    assert glance[t("report.glance.ideas")] == "45件／17件／4件"
    assert glance[t("report.glance.questions")] == "40件／14件"
    assert glance[t("report.glance.rate")] == "39%（467件/1,200件）"
    actions = {button.action_id for button in reply.buttons()}
    assert {"idea_new", "home_ask", "home_lesson", "poll_show", "idea_list", "home_report"} <= actions
    pressed = [Request(as_user(ADMIN), kind="action", action_id=b.action_id, value=b.value) for b in reply.buttons()]
    assert all(router._find(request)[0] for request in pressed)


def test_staff_home_has_no_admin_part(seeded: Seeded) -> None:
    router = build_router()
    with freeze_time(NOW):
        reply = router.dispatch(seeded.core, Request(as_user(STAFF[5], "slack"), kind="command", command="home"))
    assert not any(section.fields for section in reply.sections)
    assert "home_report" not in {button.action_id for button in reply.buttons()}
    assert t("home.ideas.none") in "\n".join(section.text for section in reply.sections)


def test_the_report_renders_in_chromium(seeded: Seeded, artifacts_dir, tmp_path) -> None:
    page = tmp_path / seeded.report.filename
    page.write_bytes(seeded.report.html)
    result = render_in_chromium(page, artifacts_dir / "report-2026-11.png", tmp_path / "chromium-profile")
    assert result.errors == []
    assert result.images == {"momentum": True, "funnel": True, "ideas": True, "quizzes": True, "questions": True}
    assert result.japanese_font_loaded
    assert (artifacts_dir / "report-2026-11.png").stat().st_size > 50_000


def test_month_bounds_follow_tokyo_time() -> None:
    start, end = NOVEMBER.bounds(make_settings("sqlite://").tz)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-01T00:00:00+09:00", "2026-12-01T00:00:00+09:00")
    assert NOVEMBER.previous() == Month(2026, 10) and Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12) and NOVEMBER.last == date(2026, 11, 30)
