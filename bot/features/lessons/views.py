"""The neutral replies of lessons and facts, shared by the jobs (weekly posts, review DMs) and the handlers.

Quiz buttons are :class:`~bot.features.lessons.actions.QuizAnswer` actions.
"""

from __future__ import annotations

from dataclasses import replace

from bot.chat.i18n import t
from bot.chat.markup import link, literal
from bot.chat.reply import Button, Image, Reply, Section
from bot.common.text import day_text
from bot.features.lessons.actions import QuizAnswer
from bot.features.lessons.catalogue import LEVELS, Catalogue, Lesson, Source, to_markup
from bot.features.lessons.facts import Fact, render_chart
from bot.features.lessons.learning import Outcome, Progress

LETTERS = "ABCD"


def quiz_buttons(lesson: Lesson, quiz_key: str) -> list[Button]:
    return [
        QuizAnswer(quiz=quiz_key, choice=index).button(f"{LETTERS[index]}. {choice}")
        for index, choice in enumerate(lesson.quiz.choices)
    ]


def quiz_section(lesson: Lesson, quiz_key: str, lang: str) -> Section:
    text = f"**{t('lesson.quiz.heading', lang)}** {literal(lesson.quiz.question)}\n_{t('lesson.quiz.hint', lang)}_"
    return Section(text=text, buttons=quiz_buttons(lesson, quiz_key))


def sources_text(sources: tuple[Source, ...] | list[Source], lang: str) -> str:
    shown = "、".join(link(source.url, source.name) if source.url else literal(source.name) for source in sources)
    return t("lesson.sources", lang, sources=shown)


def lesson_reply(lesson: Lesson, catalogue: Catalogue, quiz_key: str, lang: str, intro: str = "") -> Reply:
    """The weekly lesson: title, body, quiz buttons, sources."""
    heading = t("lesson.post.title", lang, position=catalogue.position(lesson.id), total=len(catalogue.lessons))
    meta = t(
        "lesson.post.meta",
        lang,
        level=LEVELS[lesson.level],
        minutes=lesson.minutes,
        tags=" ".join(f"#{tag}" for tag in lesson.tags),
    )
    sections = [Section(text=intro)] if intro else []
    sections += [
        Section(text=f"**{heading}**\n**{literal(lesson.title)}**\n_{meta}_"),
        Section(text=to_markup(lesson.body)),
        quiz_section(lesson, quiz_key, lang),
        Section(text=sources_text(lesson.sources, lang)),
    ]
    return Reply(text=f"{heading}: {literal(lesson.title)}", sections=sections, ephemeral=False)


def review_post_reply(lesson: Lesson, quiz_key: str, lang: str) -> Reply:
    """A review quiz posted to the channel once the curriculum is exhausted."""
    title = t("lesson.review.title", lang, title=literal(lesson.title))
    sections = [
        Section(text=f"**{title}**\n{t('lesson.review.intro', lang, id=lesson.id)}"),
        quiz_section(lesson, quiz_key, lang),
    ]
    return Reply(text=title, sections=sections, ephemeral=False)


def review_dm_reply(lesson: Lesson, quiz_key: str, number: int, lang: str) -> Reply:
    """A personal review quiz sent by DM (``number``: the 1st, 2nd or 3rd review of this lesson)."""
    title = t("lesson.review.title", lang, title=literal(lesson.title))
    sections = [
        Section(text=f"**{title}**\n{t('lesson.review_dm.intro', lang, number=number, title=literal(lesson.title))}"),
        quiz_section(lesson, quiz_key, lang),
        Section(text=f"_{t('lesson.review_dm.footer', lang)}_"),
    ]
    return Reply(text=title, sections=sections, ephemeral=False)


def feedback_reply(lesson: Lesson, outcome: Outcome, lang: str, review_dm: bool = False) -> Reply:
    """What the person who pressed a quiz button sees (only they see it); ``review_dm`` for a review sent by DM."""
    quiz = lesson.quiz
    answer = quiz.choices[quiz.answer]
    verdict = (
        t("lesson.feedback.correct", lang)
        if outcome.correct
        else t("lesson.feedback.wrong", lang, answer=literal(answer))
    )
    lines = []
    if not outcome.first:
        chosen = quiz.choices[outcome.choice] if 0 <= outcome.choice < len(quiz.choices) else "?"
        result = t("lesson.feedback.result_correct" if outcome.correct else "lesson.feedback.result_wrong", lang)
        lines.append(t("lesson.feedback.already", lang, choice=literal(chosen), result=result))
        if not outcome.correct:
            lines.append(verdict)
    else:
        lines.append(f"**{verdict}**")
    lines.append(f"**{t('lesson.feedback.explanation', lang)}** {literal(quiz.explanation)}")
    if outcome.first and outcome.review_on:
        key = "lesson.feedback.next_review" if review_dm else "lesson.feedback.review_on"
        lines.append(t(key, lang, date=day_text(outcome.review_on, "month_day", lang)))
    elif outcome.first and outcome.review_done:
        lines.append(t("lesson.feedback.review_done", lang))
    text = verdict if outcome.first else t("lesson.feedback.already_short", lang)
    return Reply(text=text, sections=[Section(text="\n".join(lines))])


def fact_reply(fact: Fact, lang: str) -> Reply:
    """The weekly fact, with its chart as a PNG and the source under the text; a fact drawn from an illustrative
    table says so, in the text and under the chart."""
    heading = t("fact.post.title", lang)
    source = sources_text([fact.source], lang)
    if fact.illustrative:
        source += "\n" + t("fact.illustrative", lang)
    sections = [
        Section(text=f"**{heading}**\n{literal(fact.text)}\n**{literal(fact.figure())}**"),
        Section(text=source),
    ]
    image = None
    if fact.chart is not None:
        chart = fact.chart
        if chart.illustrative:
            chart = replace(chart, note=" ".join(filter(None, [chart.note, t("fact.illustrative_chart", lang)])))
        image = Image(
            title=t("fact.image_title", lang, title=chart.title, source=chart.source or fact.source.name),
            alt_text=fact.text,
            filename=f"{fact.id}.png",
            data=render_chart(chart),
        )
    return Reply(text=f"{heading}: {literal(fact.text)}", sections=sections, image=image, ephemeral=False)


def progress_reply(progress: Progress, lang: str) -> Reply:
    title = t("lesson.progress.title", lang)
    if not progress.answers and not progress.seen:
        body = t("lesson.progress.empty", lang, posted=progress.posted)
    else:
        body = t(
            "lesson.progress.body",
            lang,
            seen=progress.seen,
            posted=progress.posted,
            answered=progress.answered,
            answers=progress.answers,
            rate=progress.rate,
            streak=progress.streak_weeks,
        )
    reviews = (
        t("lesson.progress.reviews_on", lang, pending=progress.reviews_pending)
        if progress.reviews_on
        else t("lesson.progress.reviews_off", lang)
    )
    return Reply(text=title, sections=[Section(text=f"**{title}**\n{body}\n{reviews}")])
