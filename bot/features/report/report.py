"""The monthly engagement report: figures (:mod:`.figures`), charts (:mod:`.visuals`) and the HTML page
(:mod:`.page`) put together, plus the short summary posted to Slack and the App Home's "this month at a glance".
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import FieldItem, File, Image, Reply, Section
from bot.common.text import day_text
from bot.features.report.figures import Figures, Glance, gather
from bot.features.report.format import change, items, people, percent, points
from bot.features.report.month import Month
from bot.features.report.page import render_html
from bot.features.report.visuals import draw_charts


@dataclass(frozen=True)
class Report:
    figures: Figures
    html: bytes
    chart: Image | None  # for the Slack summary: the momentum trend (the funnel before the first closed poll)

    @property
    def filename(self) -> str:
        return f"kiun-report-{self.figures.month.key()}.html"


def build_report(core: Core, month: Month) -> Report:
    """Gather the month's figures and write the report."""
    figures = gather(core, month)
    lang = core.settings.kiun_locale
    images = draw_charts(figures, lang)
    chart = images.get("momentum") or images.get("funnel")
    return Report(figures, render_html(figures, images, lang).encode("utf-8"), chart)


def glance_fields(glance: Glance, lang: str) -> list[FieldItem]:
    """This month at a glance as label/value pairs (App Home and the Slack summary)."""
    momentum = glance.momentum
    if momentum is None:
        momentum_text = t("report.glance.no_momentum", lang)
    else:
        moved = change(glance.momentum_change, lang)
        momentum_text = t(
            "report.glance.momentum_value",
            lang,
            index=points(momentum.index, lang),
            change=f"（{moved}）" if moved else "",
            day=day_text(momentum.opened_on, "long", lang),
        )
    rate = t(
        "report.glance.rate_value",
        lang,
        rate=percent(glance.response_rate),
        responses=items(glance.poll_responses, lang),
        recipients=items(glance.poll_recipients, lang),
    )
    ideas = t(
        "report.glance.ideas_value",
        lang,
        received=items(glance.ideas_received, lang),
        adopted=items(glance.ideas_adopted, lang),
        implemented=items(glance.ideas_implemented, lang),
    )
    questions = t(
        "report.glance.questions_value",
        lang,
        answered=items(glance.questions_answered, lang),
        refused=items(glance.questions_refused, lang),
    )
    return [
        FieldItem(label=t("report.glance.active", lang), value=people(glance.active_staff, lang)),
        FieldItem(label=t("report.glance.rate", lang), value=rate),
        FieldItem(label=t("report.glance.momentum", lang), value=momentum_text),
        FieldItem(label=t("report.glance.ideas", lang), value=ideas),
        FieldItem(label=t("report.glance.questions", lang), value=questions),
    ]


def summary_reply(report: Report, lang: str) -> Reply:
    """What ``/kiun admin report`` posts: the headline figures, the trend chart and the HTML file."""
    figures = report.figures
    title = t("report.summary.title", lang, month=day_text(figures.month.first, "month", lang))
    sections = [
        Section(text=f"**{title}**", fields=glance_fields(figures.glance, lang)),
        Section(text=t("report.summary.open_file", lang)),
    ]
    file = File(filename=report.filename, title=title, mime="text/html", data=report.html)
    return Reply(text=title, sections=sections, image=report.chart, file=file)
