"""The report as one self-contained HTML page: embedded PNG charts and an embedded subset of the Japanese font,
no scripts, nothing fetched, print-friendly CSS. Every figure's element carries ``data-figure`` (tests read the
figures by name); everything a person typed (idea titles, questions) is escaped."""

from __future__ import annotations

import base64
import html
import io
import logging
import re
from collections.abc import Set

from bot import __version__
from bot.chat.i18n import t
from bot.chat.reply import Image
from bot.common import charts
from bot.features.ideas.rules import status_label
from bot.features.polls.results import MIN_COMMENTS, MIN_SCORES
from bot.features.report.figures import Figures
from bot.features.report.format import change, day, days, items, month_label, people, percent, points

logging.getLogger("fontTools").setLevel(logging.WARNING)  # the subsetter logs every table at INFO
_IMAGE = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")

STYLE = """
:root { --ink: #1d2733; --muted: #5f6b7a; --line: #d8dee6; --accent: #1f5fa8; --soft: #f3f6fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.7;
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic", "Meiryo", "Noto Sans CJK JP",
  "kiun-ja", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 32px 24px 48px; }
header h1 { margin: 0 0 4px; font-size: 1.7rem; }
header p { margin: 0; color: var(--muted); }
h2 { margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 3px solid var(--accent); font-size: 1.3rem; }
h3 { margin: 24px 0 8px; font-size: 1.05rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: var(--soft); border-radius: 8px; padding: 12px 14px; }
.card .label { font-size: .85rem; color: var(--muted); }
.card .value { font-size: 1.45rem; font-weight: 700; }
.card .note { font-size: .8rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.facts th { width: 16em; }
.hidden { color: var(--muted); }
figure { margin: 12px 0 20px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.definition { background: var(--soft); border-left: 4px solid var(--accent); padding: 10px 14px; font-size: .92rem; }
.empty, footer { color: var(--muted); }
footer { margin-top: 48px; font-size: .85rem; }
@media print { h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _figure_cell(name: str, text: str, num: bool = True) -> str:
    """A table cell holding one figure, named by ``data-figure`` (tests read the figures by name)."""
    css = ' class="num"' if num else ""
    return f'<td{css} data-figure="{e(name)}">{e(text)}</td>'


def _hidden_cell(name: str, lang: str) -> str:
    return f'<td class="num hidden" data-figure="{e(name)}">{e(t("report.hidden", lang))}</td>'


def _table(headers: list[str], rows: list[str], numeric: Set[int] = frozenset()) -> str:
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{e(h)}</th>" for i, h in enumerate(headers))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _img(images: dict[str, Image], key: str) -> str:
    image = images.get(key)
    if image is None:
        return ""
    data = base64.b64encode(image.data).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{e(image.alt_text)}" data-chart="{key}"></figure>'


def _card(name: str, label: str, value: str, note: str = "") -> str:
    note_html = f'<div class="note">{e(note)}</div>' if note else ""
    return (
        f'<div class="card"><div class="label">{e(label)}</div>'
        f'<div class="value" data-figure="{e(name)}">{e(value)}</div>{note_html}</div>'
    )


def _empty(lang: str) -> str:
    return f'<p class="empty">{e(t("report.empty", lang))}</p>'


def render_html(figures: Figures, images: dict[str, Image], lang: str = "ja") -> str:
    month = month_label(figures.month, lang)
    title = t("report.title", lang, month=month)
    built = t(
        "report.built",
        lang,
        first=day(figures.month.first, lang),
        last=day(figures.month.last, lang),
        built=f"{day(figures.built_at.date(), lang)} {figures.built_at:%H:%M}",
    )
    body = [
        f"<header><h1>{e(title)}</h1><p>{e(built)}</p></header>",
        _summary(figures, lang),
        _momentum(figures, images, lang),
        _funnel(figures, images, lang),
        _ideas(figures, images, lang),
        _quizzes(figures, images, lang),
        _questions(figures, images, lang),
        _notes(lang),
        f"<footer>{e(t('report.footer', lang, version=__version__))}</footer>",
    ]
    text = "\n".join(body)
    return "\n".join(
        [
            f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)}</title><style>{font_face(html.unescape(title + text))}{STYLE}</style></head>",
            f"<body><main>{text}</main></body></html>",
        ]
    )


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


def _versus(now: int, before: int, unit, lang: str) -> str:
    return t("report.versus", lang, value=unit(before, lang), delta=f"{now - before:+,}")


def _summary(figures: Figures, lang: str) -> str:
    now, before = figures.glance, figures.previous
    momentum = now.momentum
    index_note = ""
    if momentum is not None:
        moved = change(now.momentum_change, lang)
        index_note = t("report.summary.index_note", lang, day=day(momentum.opened_on, lang), change=moved or "—")
    rate_note = t(
        "report.summary.rate_note",
        lang,
        responses=items(now.poll_responses, lang),
        recipients=items(now.poll_recipients, lang),
    )
    cards = [
        _card(
            "active_staff",
            t("report.glance.active", lang),
            people(now.active_staff, lang),
            _versus(now.active_staff, before.active_staff, people, lang),
        ),
        _card("response_rate", t("report.glance.rate", lang), percent(now.response_rate), rate_note),
        _card(
            "momentum",
            t("report.glance.momentum", lang),
            points(momentum.index if momentum else None, lang),
            index_note,
        ),
        _card(
            "ideas_received",
            t("report.summary.ideas_received", lang),
            items(now.ideas_received, lang),
            _versus(now.ideas_received, before.ideas_received, items, lang),
        ),
        _card(
            "ideas_adopted",
            t("report.summary.ideas_adopted", lang),
            items(now.ideas_adopted, lang),
            _versus(now.ideas_adopted, before.ideas_adopted, items, lang),
        ),
        _card(
            "ideas_implemented",
            t("report.summary.ideas_implemented", lang),
            items(now.ideas_implemented, lang),
            _versus(now.ideas_implemented, before.ideas_implemented, items, lang),
        ),
        _card(
            "questions_answered",
            t("report.summary.questions_answered", lang),
            items(now.questions_answered, lang),
            _versus(now.questions_answered, before.questions_answered, items, lang),
        ),
        _card(
            "questions_refused",
            t("report.summary.questions_refused", lang),
            items(now.questions_refused, lang),
            _versus(now.questions_refused, before.questions_refused, items, lang),
        ),
    ]
    return (
        f'<section id="summary"><h2>{e(t("report.section.summary", lang))}</h2>'
        f'<div class="cards">{"".join(cards)}</div></section>'
    )


def _momentum(figures: Figures, images: dict[str, Image], lang: str) -> str:
    momentum = figures.momentum
    questions = "、".join(f"「{q}」" for q in momentum.core_questions) or "—"
    parts = [
        f'<section id="momentum"><h2>{e(t("report.section.momentum", lang))}</h2>',
        f'<p class="definition">{e(t("report.momentum.definition", lang, questions=questions, min=MIN_SCORES))}</p>',
        _img(images, "momentum"),
    ]
    if not momentum.trend:
        parts.append(_empty(lang))
    else:
        rows = []
        for point in momentum.trend:
            rate = point.responses / point.recipients if point.recipients else None
            index = (
                _figure_cell(f"momentum.{point.run}.index", points(point.index, lang))
                if point.index is not None
                else _hidden_cell(f"momentum.{point.run}.index", lang)
            )
            rows.append(
                f"<tr><td>{e(day(point.opened_on, lang))}</td>{index}"
                + _figure_cell(f"momentum.{point.run}.responses", items(point.responses, lang))
                + _figure_cell(f"momentum.{point.run}.recipients", items(point.recipients, lang))
                + _figure_cell(f"momentum.{point.run}.rate", percent(rate))
                + "</tr>"
            )
        headers = [t(f"report.momentum.{h}", lang) for h in ("opened", "index", "responses", "recipients", "rate")]
        parts.append(_table(headers, rows, {1, 2, 3, 4}))
    parts.append(f"<h3>{e(t('report.momentum.departments', lang))}</h3>")
    if momentum.departments:
        rows = []
        for group in momentum.departments:
            label = group.label or t("report.no_department", lang)
            name = f"momentum.department.{group.key}"
            cell = (
                _figure_cell(name, points(group.index, lang)) if group.index is not None else _hidden_cell(name, lang)
            )
            size = people(group.n, lang) if group.index is not None else t("report.hidden", lang)
            rows.append(f"<tr><td>{e(label)}</td>{cell}<td class=num>{e(size)}</td></tr>")
        headers = [t("report.department", lang), t("report.momentum.index", lang), t("report.respondents", lang)]
        parts.append(_table(headers, rows, {1, 2}))
        parts.append(f"<p>{e(t('report.anonymity_note', lang, min=MIN_SCORES))}</p>")
    else:
        parts.append(_empty(lang))
    parts.append("</section>")
    return "".join(parts)


def _funnel(figures: Figures, images: dict[str, Image], lang: str) -> str:
    funnel = figures.funnel
    steps = [
        ("reached", funnel.reached),
        ("learned", funnel.learned),
        ("contributed", funnel.contributed),
        ("asked", funnel.asked),
        ("active", funnel.active),
    ]
    rows = [
        f"<tr><td>{e(t(f'report.funnel.{step}', lang))}</td>"
        + _figure_cell(f"funnel.{step}", people(value, lang))
        + f"<td class=num>{e(percent(value / funnel.reached if funnel.reached else None))}</td>"
        + f"<td>{e(t(f'report.funnel.{step}_means', lang))}</td></tr>"
        for step, value in steps
    ]
    poll_rows = [
        f"<tr><td>{e(run.title)}</td><td>{e(day(run.opened_on, lang))}</td>"
        + _figure_cell(f"poll.{run.run}.responses", items(run.responses, lang))
        + _figure_cell(f"poll.{run.run}.recipients", items(run.recipients, lang))
        + f"<td class=num>{e(percent(run.responses / run.recipients if run.recipients else None))}</td></tr>"
        for run in figures.polls
    ]
    headers = [t(f"report.funnel.{h}", lang) for h in ("step", "people", "share", "means")]
    poll_headers = [t(f"report.polls.{h}", lang) for h in ("title", "opened", "responses", "recipients", "rate")]
    return (
        f'<section id="funnel"><h2>{e(t("report.section.funnel", lang))}</h2>'
        + _img(images, "funnel")
        + _table(headers, rows, {1, 2})
        + f"<h3>{e(t('report.polls.heading', lang))}</h3>"
        + (_table(poll_headers, poll_rows, {2, 3, 4}) if poll_rows else _empty(lang))
        + f"<p>{e(t('report.polls.note', lang))}</p></section>"
    )


def _ideas(figures: Figures, images: dict[str, Image], lang: str) -> str:
    ideas = figures.ideas
    status_rows = [
        f"<tr><td>{e(status_label(status, lang))}</td>"
        + _figure_cell(f"ideas.status.{status}", items(n, lang))
        + "</tr>"
        for status, n in ideas.by_status.items()
    ]
    department_rows = []
    for row in ideas.departments:
        label = row.label or t("report.no_department", lang)
        cells = "".join(
            _figure_cell(f"ideas.department.{row.key}.{kind}", items(value, lang))
            if value is not None
            else _hidden_cell(f"ideas.department.{row.key}.{kind}", lang)
            for kind, value in (("received", row.ideas), ("adopted", row.adopted))
        )
        department_rows.append(f"<tr><td>{e(label)}</td>{cells}</tr>")
    response = t(
        "report.ideas.response",
        lang,
        responded=items(ideas.responded, lang),
        received=items(ideas.received, lang),
    )
    adopted_rows = [
        f"<tr><td class=num>#{idea.id}</td><td>{e(idea.title)}</td>"
        f"<td>{e(idea.department or t('report.no_department', lang))}</td>"
        f"<td>{e(status_label(idea.status, lang))}</td><td class=num>{e(items(idea.votes, lang))}</td>"
        f"<td class=num>{e(t('report.unit.hours', lang, n=idea.hours_saved) if idea.hours_saved else '—')}</td></tr>"
        for idea in ideas.adopted_list
    ]
    adopted_headers = [
        t(f"report.ideas.{h}", lang) for h in ("number", "title", "department", "status", "votes", "hours")
    ]
    return (
        f'<section id="ideas"><h2>{e(t("report.section.ideas", lang))}</h2>'
        + f"<p>{e(t('report.ideas.intro', lang, received=items(ideas.received, lang)))}</p>"
        + _img(images, "ideas")
        + _table([t("report.ideas.status", lang), t("report.ideas.count", lang)], status_rows, {1})
        + f"<h3>{e(t('report.ideas.by_department', lang))}</h3>"
        + (
            _table(
                [t("report.department", lang), t("report.ideas.received", lang), t("report.ideas.adopted", lang)],
                department_rows,
                {1, 2},
            )
            if department_rows
            else _empty(lang)
        )
        + f"<p>{e(t('report.ideas.department_note', lang, min=MIN_SCORES))}</p>"
        + f"<h3>{e(t('report.ideas.first_response', lang))}</h3>"
        + '<table class="facts"><tbody>'
        + f"<tr><th>{e(t('report.ideas.median', lang))}</th>"
        + _figure_cell("ideas.median_days", days(ideas.median_days, lang))
        + "</tr>"
        + f"<tr><th>{e(t('report.ideas.mean', lang))}</th>"
        + _figure_cell("ideas.mean_days", days(ideas.mean_days, lang))
        + "</tr>"
        + f"<tr><th>{e(t('report.ideas.responded', lang))}</th>"
        + _figure_cell("ideas.responded", response)
        + "</tr></tbody></table>"
        + f"<h3>{e(t('report.ideas.adopted_list', lang))}</h3>"
        + (_table(adopted_headers, adopted_rows, {0, 4, 5}) if adopted_rows else _empty(lang))
        + "</section>"
    )


def _quizzes(figures: Figures, images: dict[str, Image], lang: str) -> str:
    quizzes = figures.quizzes
    rate = quizzes.correct / quizzes.answers if quizzes.answers else None
    posted = "、".join(quizzes.posted) or "—"
    summary = (
        '<table class="facts"><tbody>'
        + f"<tr><th>{e(t('report.quizzes.posted', lang))}</th>"
        + _figure_cell("quizzes.posted", f"{items(len(quizzes.posted), lang)}（{posted}）", num=False)
        + "</tr>"
        + f"<tr><th>{e(t('report.quizzes.participants', lang))}</th>"
        + _figure_cell("quizzes.participants", people(quizzes.participants, lang))
        + "</tr>"
        + f"<tr><th>{e(t('report.quizzes.answers', lang))}</th>"
        + _figure_cell("quizzes.answers", items(quizzes.answers, lang))
        + "</tr>"
        + f"<tr><th>{e(t('report.quizzes.rate', lang))}</th>"
        + _figure_cell("quizzes.rate", percent(rate))
        + "</tr></tbody></table>"
    )
    rows = [
        f"<tr><td>{e(row.title)}</td>"
        + _figure_cell(f"quizzes.lesson.{row.lesson_id}.answers", items(row.answers, lang))
        + _figure_cell(f"quizzes.lesson.{row.lesson_id}.rate", percent(row.rate))
        + "</tr>"
        for row in quizzes.lessons
    ]
    hardest = "".join(
        f'<li data-figure="quizzes.hardest.{rank}">{e(row.title)}（{e(percent(row.rate))}、'
        f"{e(items(row.answers, lang))}）</li>"
        for rank, row in enumerate(quizzes.hardest, 1)
    )
    headers = [t(f"report.quizzes.{h}", lang) for h in ("lesson", "lesson_answers", "rate")]
    return (
        f'<section id="quizzes"><h2>{e(t("report.section.quizzes", lang))}</h2>'
        + summary
        + _img(images, "quizzes")
        + (_table(headers, rows, {1, 2}) if rows else _empty(lang))
        + f"<h3>{e(t('report.quizzes.hardest', lang, min=MIN_SCORES))}</h3>"
        + (f"<ol>{hardest}</ol>" if hardest else _empty(lang))
        + "</section>"
    )


def _questions(figures: Figures, images: dict[str, Image], lang: str) -> str:
    qa = figures.questions
    rows = [
        ("total", t("report.qa.total", lang), items(qa.total, lang)),
        ("askers", t("report.qa.askers", lang), people(qa.askers, lang)),
        ("answered", t("report.qa.answered", lang), items(qa.answered, lang)),
        ("refused", t("report.qa.refused", lang), items(qa.refused, lang)),
        ("refusal_rate", t("report.qa.refusal_rate", lang), percent(qa.refusal_rate)),
        ("blocked", t("report.qa.blocked", lang), items(qa.blocked, lang)),
        (
            "helpful_rate",
            t("report.qa.helpful_rate", lang),
            t(
                "report.qa.helpful_value",
                lang,
                rate=percent(qa.helpful_rate),
                helpful=items(qa.helpful, lang),
                rated=items(qa.rated, lang),
            ),
        ),
    ]
    table = (
        '<table class="facts"><tbody>'
        + "".join(f"<tr><th>{e(label)}</th>{_figure_cell(f'qa.{name}', value)}</tr>" for name, label, value in rows)
        + "</tbody></table>"
    )
    gaps = "".join(
        f'<li data-figure="qa.gap.{rank}">{e(text)}（{e(t("report.unit.times", lang, n=count))}）</li>'
        for rank, (text, count) in enumerate(qa.gaps, 1)
    )
    return (
        f'<section id="qa"><h2>{e(t("report.section.qa", lang))}</h2>'
        + table
        + _img(images, "questions")
        + f"<h3>{e(t('report.qa.gaps', lang))}</h3>"
        + f"<p>{e(t('report.qa.gaps_note', lang))}</p>"
        + (f"<ol>{gaps}</ol>" if gaps else _empty(lang))
        + "</section>"
    )


def _notes(lang: str) -> str:
    notes = "".join(
        f"<li>{e(t(f'report.notes.{key}', lang, min=MIN_SCORES, comments=MIN_COMMENTS))}</li>"
        for key in ("active", "anonymity", "departments", "momentum", "times")
    )
    return f'<section id="notes"><h2>{e(t("report.section.notes", lang))}</h2><ul>{notes}</ul></section>'
