"""Previews of an uploaded content version, read from the content folder with it laid over (see
:func:`bot.features.content.checks.laid_over`): the lesson or fact rendered as staff will see it (with its chart),
a data table with the facts it feeds, a poll's questions, the synonyms' change, the curriculum's order."""

from __future__ import annotations

import re
from pathlib import Path

from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Image, Reply, Section
from bot.features.lessons.catalogue import catalogue
from bot.features.lessons.facts import build_facts, read_table
from bot.features.lessons.views import fact_reply, lesson_reply
from bot.features.polls.templates import load_templates, templates_dir
from bot.features.qa import synonyms

LETTERS = "ABCD"
SHOWN = 10  # items listed before "…ほか n 件"


def preview(kind: str, key: str, root: Path, served: Path, lang: str) -> tuple[list[Section], Image | None]:
    """What the version ``key`` of ``kind`` looks like in ``root`` (``served``: the folder served now)."""
    if kind == "lesson":
        return _lesson(key, root, lang), None
    if kind == "fact":
        reply = _fact(key, root, lang)
        return (reply.sections, reply.image) if reply else ([], None)
    if kind == "data":
        return _table(key, root, lang)
    if kind == "poll":
        return _poll(key, root, lang), None
    if kind == "synonyms":
        return _synonyms(root, served, lang), None
    return _curriculum(root, lang), None


def _lesson(key: str, root: Path, lang: str) -> list[Section]:
    lessons = catalogue(root)
    lesson = lessons.get(key)
    if lesson is None:
        return []
    shown = lesson_reply(lesson, lessons, "preview", lang)
    quiz = lesson.quiz
    choices = "\n".join(f"- {LETTERS[i]}. {literal(choice)}" for i, choice in enumerate(quiz.choices))
    answer = f"{LETTERS[quiz.answer]}. {literal(quiz.choices[quiz.answer])}"
    values = {"question": literal(quiz.question), "choices": choices, "answer": answer}
    text = t("content.preview.quiz", lang, explanation=literal(quiz.explanation), **values)
    # the quiz with its answer instead of its buttons (a press here would count as an answer)
    return [Section(text=text) if section.buttons else section for section in shown.sections]


def _fact(key: str, root: Path, lang: str) -> Reply | None:
    fact = build_facts(root).get(key)
    return fact_reply(fact, lang) if fact else None


def _table(key: str, root: Path, lang: str) -> tuple[list[Section], Image | None]:
    table, _ = read_table(root / "data" / key)
    if table is None:
        return [], None
    rows = len(next(iter(table.columns.values()), []))
    text = t(
        "content.preview.table",
        lang,
        columns=literal("、".join(table.columns)),
        rows=rows,
        source=literal(table.source),
        note=literal(table.note),
    )
    uses = re.compile(rf"^\s*data:\s*['\"]?{re.escape(key)}['\"]?\s*$", re.MULTILINE)
    users = [fact for fact in build_facts(root).facts if uses.search(fact.file.read_text(encoding="utf-8"))]
    sections = [Section(text=text)]
    if not users:
        return [*sections, Section(text=t("content.preview.table_unused", lang))], None
    names = "、".join(literal(fact.id) for fact in users)
    sections.append(Section(text=t("content.preview.table_used", lang, facts=names)))
    shown = fact_reply(users[0], lang)
    return sections + shown.sections, shown.image


def _poll(key: str, root: Path, lang: str) -> list[Section]:
    template = load_templates(templates_dir(root)).get(key)
    if template is None:
        return []
    kind = t("poll.kind_anonymous" if template.anonymous else "poll.kind_named", lang)
    lines = [t("content.preview.poll", lang, title=literal(template.title), kind=kind, count=len(template.questions))]
    if template.intro:
        lines.append(literal(template.intro))
    for number, question in enumerate(template.questions, 1):
        options = "、".join(literal(label) for _, label in question.options)
        kind_label = t(f"content.preview.question.{question.type}", lang)
        lines.append(f"**Q{number}.** {literal(question.text)}（{kind_label}{'：' + options if options else ''}）")
    return [Section(text="\n".join(lines))]


def _synonyms(root: Path, served: Path, lang: str) -> list[Section]:
    new = synonyms.groups(synonyms.synonyms_path(root))
    old = synonyms.groups(synonyms.synonyms_path(served))
    added = [group for group in new if group not in old]
    removed = [group for group in old if group not in new]
    lines = [
        t(
            "content.preview.synonyms",
            lang,
            groups=len(new),
            words=sum(map(len, new)),
            added=len(added),
            removed=len(removed),
        )
    ]
    lines += [f"+ {literal('・'.join(group))}" for group in added[:SHOWN]]
    lines += [f"− {literal('・'.join(group))}" for group in removed[:SHOWN]]
    return [Section(text="\n".join(lines))]


def _curriculum(root: Path, lang: str) -> list[Section]:
    lessons = catalogue(root).lessons
    titles = "\n".join(f"{n}. {literal(lesson.title)}" for n, lesson in enumerate(lessons, 1))
    return [Section(text=t("content.preview.curriculum", lang, count=len(lessons), titles=titles))]
