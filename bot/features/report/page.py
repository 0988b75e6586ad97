"""The report as one self-contained HTML page: embedded PNG charts and an embedded subset of the Japanese font,
no scripts, nothing fetched, print-friendly CSS. Written by the Jinja2 templates in ``templates/`` with
autoescape on, so everything a person typed (idea titles, questions) is escaped; every figure's element carries
``data-figure`` (tests read the figures by name)."""

from __future__ import annotations

import base64
import html
import io
import logging
import re
from functools import partial

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot import __version__
from bot.chat.i18n import t
from bot.chat.reply import Image
from bot.common import charts
from bot.common.text import day_text
from bot.features.ideas.rules import status_label
from bot.features.polls.results import MIN_COMMENTS, MIN_SCORES
from bot.features.report.figures import Figures
from bot.features.report.format import change, days, items, people, percent, points

logging.getLogger("fontTools").setLevel(logging.WARNING)  # the subsetter logs every table at INFO
_IMAGE = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")

templates = Environment(
    loader=PackageLoader("bot.features.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)


def render_html(figures: Figures, images: dict[str, Image], lang: str = "ja") -> str:
    def say(key: str, **values: object) -> str:
        return t(key, lang, **values)

    month = day_text(figures.month.first, "month", lang)
    title = say("report.title", month=month)
    built_day = day_text(figures.built_at.date(), "long", lang)
    body = templates.get_template("report.html").render(
        figures=figures,
        lang=lang,
        title=title,
        built=say(
            "report.built",
            first=day_text(figures.month.first, "long", lang),
            last=day_text(figures.month.last, "long", lang),
            built=f"{built_day} {figures.built_at:%H:%M}",
        ),
        core_questions="、".join(f"「{q}」" for q in figures.momentum.core_questions) or "—",
        charts={
            key: {"data": base64.b64encode(image.data).decode("ascii"), "alt": image.alt_text}
            for key, image in images.items()
        },
        t=say,
        labels=lambda prefix, *names: [t(prefix + name, lang) for name in names],
        day=lambda value: day_text(value, "long", lang),
        status_label=lambda status: status_label(status, lang),
        people=partial(people, lang=lang),
        items=partial(items, lang=lang),
        points=partial(points, lang=lang),
        change=partial(change, lang=lang),
        days=partial(days, lang=lang),
        percent=percent,
        MIN_SCORES=MIN_SCORES,
        MIN_COMMENTS=MIN_COMMENTS,
        version=__version__,
    )
    font = Markup(font_face(html.unescape(title + body)))
    return templates.get_template("page.html").render(lang=lang, title=title, font_face=font, body=Markup(body))


def font_face(text: str) -> str:
    """An ``@font-face`` with the Japanese font (IPAex Gothic, the charts' font) cut down to the characters of
    ``text``, so the report reads right even on a computer without a Japanese font (about 70 KB)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features, options.hinting, options.notdef_outline = [], False, True
    font = TTFont(str(charts.font_path()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(_IMAGE.sub("", text)))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "kiun-ja"; src: url(data:font/ttf;base64,{data}) format("truetype"); }}\n'
