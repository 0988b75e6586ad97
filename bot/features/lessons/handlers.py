"""Lessons and quizzes: quiz buttons, ``/kiun lesson``, ``/kiun lessons``, ``/kiun review``, and the admins'
``/kiun admin lesson preview|list``."""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.content.tree import content_root
from bot.features.lessons import learning
from bot.features.lessons.actions import QuizAnswer
from bot.features.lessons.catalogue import Lesson, catalogue
from bot.features.lessons.jobs import review_days
from bot.features.lessons.views import feedback_reply, lesson_reply, progress_reply

PREVIEW = "P:"
OFF_WORDS = ("off", "オフ", "停止", "止める", "stop")
ON_WORDS = ("on", "オン", "再開", "start")


def register(router: Router) -> None:
    router.action(QuizAnswer, quiz_answer)
    router.subcommand("lesson", show_lesson)
    router.subcommand("lessons", show_progress)
    router.subcommand("review", review_setting)
    router.admin("lesson", admin_lesson)


def quiz_answer(core: Core, request: Request, action: QuizAnswer) -> Reply:
    """A quiz button: record the first answer and show right/wrong with the explanation to this person only."""
    lang = request.lang
    key, choice = action.quiz, action.choice
    lessons = catalogue(content_root(core.engine))
    if key.startswith(PREVIEW):
        lesson = lessons.get(key[len(PREVIEW) :])
        if lesson is None or choice >= len(lesson.quiz.choices):
            return Reply(text=t("lesson.quiz.gone", lang))
        outcome = learning.Outcome(choice, choice == lesson.quiz.answer, first=True)
        return feedback_reply(lesson, outcome, lang)
    ref = learning.parse_quiz(key)
    if ref is None:
        return Reply(text=t("error.unknown_action", lang))
    with core.sessions() as session:
        lesson_id = ref.lesson_id or learning.review_lesson_id(session, ref.review_id)
        reviews_on = learning.reviews_enabled(session, request.user_id)
    lesson = lessons.get(lesson_id) if lesson_id else None
    if lesson is None or choice >= len(lesson.quiz.choices):
        return Reply(text=t("lesson.quiz.gone", lang))
    today = core.local_now().date()
    outcome = learning.record_answer(core, request.user_id, ref, lesson, choice, today, review_days(core), reviews_on)
    return feedback_reply(lesson, outcome, lang, review_dm=ref.review_id is not None)


def show_lesson(core: Core, request: Request) -> Reply:
    """``/kiun lesson [id]``: the latest lesson posted (or the first of the curriculum), or the one named."""
    lang = request.lang
    lessons = catalogue(content_root(core.engine))
    wanted = request.text.strip()
    if wanted:
        lesson = lessons.get(wanted)
        if lesson is None:
            return not_found(wanted, lessons.lessons, lang)
        quiz = learning.lesson_quiz(lesson.id)
    else:
        lesson, quiz = _latest(core, lessons)
        if lesson is None:
            return Reply(text=t("lesson.none", lang))
    learning.mark_seen(core, request.user_id, lesson.id)
    return lesson_reply(lesson, lessons, quiz, lang).model_copy(update={"ephemeral": True})


def _latest(core: Core, lessons) -> tuple[Lesson | None, str]:
    with core.sessions() as session:
        post = learning.latest_lesson_post(session, core.settings.kiun_lesson_channel)
    if post is not None and lessons.get(post.item_id):
        return lessons.get(post.item_id), learning.lesson_quiz(post.item_id, post.round)
    first = lessons.lessons[0] if lessons.lessons else None
    return first, learning.lesson_quiz(first.id) if first else ""


def not_found(wanted: str, lessons: list[Lesson], lang: str) -> Reply:
    shown = literal(wanted[:48])
    ids = "、".join(f"`{lesson.id}`" for lesson in lessons) or "-"
    return Reply(text=t("lesson.not_found", lang, id=shown, ids=ids))


def show_progress(core: Core, request: Request) -> Reply:
    """``/kiun lessons``: lessons seen, quizzes answered, correct rate, streak of weeks."""
    today = core.local_now().date()
    progress = learning.progress(core, request.user_id, core.settings.kiun_lesson_channel, today)
    return progress_reply(progress, request.lang)


def review_setting(core: Core, request: Request) -> Reply:
    """``/kiun review off|on``: stop or resume review DMs; without a word, the current setting."""
    lang = request.lang
    word = request.text.strip().lower()
    if word in OFF_WORDS or word in ON_WORDS:
        enabled = word in ON_WORDS
        learning.set_reviews(core, request.user_id, enabled)
        return Reply(text=t("lesson.review.on" if enabled else "lesson.review.off", lang))
    if word:
        return Reply(text=t("lesson.review.usage", lang))
    with core.sessions() as session:
        enabled = learning.reviews_enabled(session, request.user_id)
        pending = learning.pending_reviews(session, request.user_id)
    state = t("lesson.review.state_on" if enabled else "lesson.review.state_off", lang)
    return Reply(text=t("lesson.review.status", lang, state=state, pending=pending))


def admin_lesson(core: Core, request: Request) -> Reply:
    """``/kiun admin lesson preview <id>`` and ``/kiun admin lesson list``."""
    lang = request.lang
    words = request.text.split()
    lessons = catalogue(content_root(core.engine))
    if words[:1] == ["preview"] and len(words) == 2:
        lesson = lessons.get(words[1])
        if lesson is None:
            return not_found(words[1], lessons.lessons, lang)
        reply = lesson_reply(lesson, lessons, PREVIEW + lesson.id, lang, intro=t("lesson.admin.preview_note", lang))
        return reply.model_copy(update={"ephemeral": True})
    if words == ["list"]:
        return _lesson_list(core, lessons, lang)
    return Reply(text=t("lesson.admin.usage", lang))


def _lesson_list(core: Core, lessons, lang: str) -> Reply:
    channel = core.settings.kiun_lesson_channel
    with core.sessions() as session:
        rates = learning.correct_rates(session)
        posted = learning.posted_lessons(session, channel)
    rows = []
    for position, lesson in enumerate(lessons.lessons, start=1):
        state = t("lesson.admin.posted" if lesson.id in posted else "lesson.admin.not_posted", lang)
        rate = f"{round(100 * rates[lesson.id])}%" if lesson.id in rates else "-"
        rows.append(
            t(
                "lesson.admin.row",
                lang,
                position=position,
                id=lesson.id,
                title=literal(lesson.title),
                state=state,
                rate=rate,
            )
        )
    title = t("lesson.admin.list_title", lang)
    body = "\n".join(rows) or t("lesson.none", lang)
    if lessons.problems:
        body += "\n" + t("lesson.admin.problems", lang, count=len(lessons.problems))
    return Reply(text=title, sections=[Section(text=f"**{title}**\n{body}")])
