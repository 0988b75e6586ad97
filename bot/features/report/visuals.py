"""The report's charts (PNG, through bot.common.charts), only those with something to draw."""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat.i18n import t
from bot.chat.reply import Image
from bot.common import charts
from bot.common.text import day_text, truncate
from bot.features.ideas.rules import status_label
from bot.features.report.figures import Figures

SHORT_LABEL = 18  # characters of a lesson title under a chart bar


def _image(key: str, title: str, alt: str, data: bytes) -> Image:
    return Image(title=title, alt_text=alt, filename=f"{key}.png", data=data)


def draw_charts(figures: Figures, lang: str) -> dict[str, Image]:
    """The report's charts (only those with something to draw)."""
    images: dict[str, Image] = {}
    shown = [(point, point.index) for point in figures.momentum.trend if point.index is not None]
    if shown:
        title = t("report.chart.momentum", lang)
        index_name, rate_name = t("report.chart.index", lang), t("report.chart.rate", lang)
        series: dict[str, list[float]] = {
            index_name: [index for _, index in shown],
            rate_name: [
                round(100 * point.responses / point.recipients, 1) if point.recipients else 0 for point, _ in shown
            ],
        }
        labels = [day_text(point.opened_on) for point, _ in shown]
        alt = "; ".join(f"{label}: {value}" for label, value in zip(labels, series[index_name], strict=True))
        data = charts.line_chart(title, labels, series, note=t("report.chart.momentum_note", lang))
        images["momentum"] = _image("momentum", title, alt, data)
    funnel = figures.funnel
    if funnel.reached or funnel.active:
        title = t("report.chart.funnel", lang)
        labels = [t(f"report.funnel.{step}", lang) for step in ("reached", "learned", "contributed", "asked")]
        values = [funnel.reached, funnel.learned, funnel.contributed, funnel.asked]
        data = charts.bar_chart(title, labels, values, y_label=t("report.chart.people", lang), horizontal=True)
        images["funnel"] = _image("funnel", title, _alt(labels, values), data)
    ideas = figures.ideas
    if ideas.received:
        title = t("report.chart.ideas", lang)
        labels = [status_label(status, lang) for status in ideas.by_status]
        values = list(ideas.by_status.values())
        data = charts.bar_chart(title, labels, values, y_label=t("report.chart.items", lang))
        images["ideas"] = _image("ideas", title, _alt(labels, values), data)
    lessons = figures.quizzes.lessons
    if lessons:
        title = t("report.chart.quizzes", lang)
        labels = [truncate(row.title, SHORT_LABEL) for row in lessons]
        values = [round(100 * row.rate) for row in lessons]
        data = charts.bar_chart(title, labels, values, y_label="%", horizontal=True)
        images["quizzes"] = _image("quizzes", title, _alt(labels, values), data)
    questions = figures.questions
    if questions.total:
        title = t("report.chart.questions", lang)
        other = questions.total - questions.answered - questions.refused - questions.blocked
        labels = [t(f"report.qa.{kind}", lang) for kind in ("answered", "refused", "blocked", "other")]
        values = [questions.answered, questions.refused, questions.blocked, other]
        data = charts.bar_chart(title, labels, values, y_label=t("report.chart.items", lang))
        images["questions"] = _image("questions", title, _alt(labels, values), data)
    return images


def _alt(labels: list[str], values: Sequence[float]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
