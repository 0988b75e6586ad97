"""What happened with lessons and facts: posts per channel, quiz answers, spaced reviews and progress.

Quizzes are named by a short key (stored in ``quiz_answers.quiz`` and carried in the button value):

- ``L:<lesson>`` — a lesson's quiz wherever it is shown (the weekly post, ``/kiun lesson``, a preview);
- ``L:<lesson>:<round>`` — a review round of it posted to the channel once the curriculum is exhausted;
- ``R:<review id>:<send>`` — a personal review sent by DM.

One answer per person per quiz is the ``(quiz, user_id)`` unique constraint: the first press counts.

Spaced review (SM-2-like, simplified to fixed steps): a wrong answer schedules a review DM in 3 days; a right
answer to a review moves it to 7, then 21 days, then it is done; a wrong one starts again at 3 days. The review is
due on the day it will really be DMed (``send_day``: the first ``quiz-review`` run on a business day from then),
and never on a day another review of the same person is due, since each person gets one review DM a day; so the
day promised in the answer's feedback is the day the DM goes out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.features.lessons.catalogue import Catalogue, Lesson
from bot.features.lessons.facts import Fact, FactList
from bot.features.lessons.models import ContentPost, LessonView, QuizAnswer, QuizReview, ReviewSetting, ReviewState

INTERVALS = (3, 7, 21)  # days before review 1, 2, 3
_QUIZ = re.compile(r"^(?:L:(?P<lesson>[a-z0-9-]+)(?::(?P<round>\d+))?|R:(?P<review>\d+):(?P<send>\d+))$")


@dataclass(frozen=True)
class QuizRef:
    """A parsed quiz key."""

    key: str
    lesson_id: str | None = None  # None for a DM review (look the review up)
    round: int = 0
    review_id: int | None = None
    send: int = 0


def lesson_quiz(lesson_id: str, round: int = 0) -> str:
    return f"L:{lesson_id}" if round == 0 else f"L:{lesson_id}:{round}"


def review_quiz(review_id: int, send: int) -> str:
    return f"R:{review_id}:{send}"


def parse_quiz(key: str) -> QuizRef | None:
    match = _QUIZ.match(key)
    if not match:
        return None
    if match["review"]:
        return QuizRef(key, review_id=int(match["review"]), send=int(match["send"]))
    return QuizRef(key, lesson_id=match["lesson"], round=int(match["round"] or 0))


def _insert_ignore(session: Session, model, **values) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


# -- posting ------------------------------------------------------------------------------------------------


def correct_rates(session: Session) -> dict[str, float]:
    """Share of right answers per lesson over all channel quizzes (``L:…``)."""
    rows = session.execute(
        select(QuizAnswer.lesson_id, func.count(), func.sum(cast(QuizAnswer.correct, Integer)))
        .where(QuizAnswer.quiz.like("L:%"))
        .group_by(QuizAnswer.lesson_id)
    ).all()
    return {lesson_id: (right or 0) / total for lesson_id, total, right in rows if total}


def next_lesson(session: Session, catalogue: Catalogue, channel: str) -> tuple[Lesson, int] | None:
    """The next lesson for ``channel`` and its round: the first unposted one in curriculum order; when all are
    posted, a review round of the hardest lesson (fewest review rounds first, then lowest correct rate)."""
    if not catalogue.lessons:
        return None
    rounds: dict[str, int] = dict(
        session.execute(
            select(ContentPost.item_id, func.max(ContentPost.round))
            .where(ContentPost.kind == "lesson", ContentPost.channel == channel)
            .group_by(ContentPost.item_id)
        ).all()
    )
    for lesson in catalogue.lessons:
        if lesson.id not in rounds:
            return lesson, 0
    rates = correct_rates(session)
    order = {lesson.id: index for index, lesson in enumerate(catalogue.lessons)}
    hardest = min(catalogue.lessons, key=lambda item: (rounds[item.id], rates.get(item.id, 1.0), order[item.id]))
    return hardest, rounds[hardest.id] + 1


def record_post(session: Session, kind: str, item_id: str, channel: str, round: int, occurrence: datetime) -> None:
    """Remember a post; the unique constraint refuses the same item and round in a channel twice."""
    session.add(ContentPost(kind=kind, item_id=item_id, channel=channel, round=round, occurrence=occurrence))
    session.flush()


def next_fact(session: Session, facts: FactList, channel: str) -> tuple[Fact, int] | None:
    """The fact posted least often to ``channel`` (file order breaks ties) and its round."""
    if not facts.facts:
        return None
    counts = dict(
        session.execute(
            select(ContentPost.item_id, func.count())
            .where(ContentPost.kind == "fact", ContentPost.channel == channel)
            .group_by(ContentPost.item_id)
        ).all()
    )
    fact = min(facts.facts, key=lambda item: counts.get(item.id, 0))
    return fact, counts.get(fact.id, 0)


def posted_lessons(session: Session, channel: str | None) -> set[str]:
    """Ids of the lessons posted (to ``channel`` when given)."""
    query = select(ContentPost.item_id).where(ContentPost.kind == "lesson")
    if channel:
        query = query.where(ContentPost.channel == channel)
    return set(session.scalars(query))


def latest_lesson_post(session: Session, channel: str | None) -> ContentPost | None:
    """The most recent lesson post (in ``channel`` when given)."""
    query = select(ContentPost).where(ContentPost.kind == "lesson")
    if channel:
        query = query.where(ContentPost.channel == channel)
    return session.scalar(query.order_by(ContentPost.posted_at.desc(), ContentPost.id.desc()).limit(1))


# -- answers and reviews --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The answer that counts (``first``: it was just recorded), the next review date when one was scheduled,
    and ``review_done`` when this answer finished a lesson's reviews."""

    choice: int
    correct: bool
    first: bool
    review_on: date | None = None
    review_done: bool = False


def record_answer(
    core: Core,
    user_id: str,
    quiz: QuizRef,
    lesson: Lesson,
    choice: int,
    today: date,
    send_day: Callable[[date], date],
    reviews_on: bool = True,
) -> Outcome:
    """Store the answer unless this person already answered this quiz (then return the earlier one).

    ``send_day`` gives the day a review due on a given day is DMed (bot.features.lessons.jobs.review_days)."""
    correct = choice == lesson.quiz.answer
    try:
        with transaction(core.sessions) as session:
            session.add(QuizAnswer(quiz=quiz.key, lesson_id=lesson.id, user_id=user_id, choice=choice, correct=correct))
            session.flush()
            review_on, review_done = None, False
            if quiz.review_id is not None:
                review_on, review_done = _advance_review(session, quiz, correct, today, send_day)
            elif not correct and reviews_on:
                review_on = _schedule_review(session, user_id, lesson.id, today, send_day)
            core.home_changed(user_id, session)  # the quiz streak and progress on the App Home
    except IntegrityError:
        with core.sessions() as session:
            earlier = session.scalar(
                select(QuizAnswer).where(QuizAnswer.quiz == quiz.key, QuizAnswer.user_id == user_id)
            )
        if earlier is None:  # the constraint fired for another reason: let the handler report it
            raise
        return Outcome(earlier.choice, earlier.correct, first=False)
    mark_seen(core, user_id, lesson.id)
    return Outcome(choice, correct, first=True, review_on=review_on, review_done=review_done)


def mark_seen(core: Core, user_id: str, lesson_id: str) -> None:
    with transaction(core.sessions) as session:
        _insert_ignore(session, LessonView, user_id=user_id, lesson_id=lesson_id, seen_at=utcnow())


def _review_day(session: Session, user_id: str, lesson_id: str, target: date, send_day: Callable[[date], date]) -> date:
    """The day a review of ``lesson_id`` due on ``target`` is DMed: the first send day from ``target`` on which no
    other review of this person is waiting."""
    taken = set(
        session.scalars(
            select(QuizReview.due_on).where(
                QuizReview.user_id == user_id,
                QuizReview.lesson_id != lesson_id,
                QuizReview.state == ReviewState.WAITING,
            )
        )
    )
    day = send_day(target)
    while day in taken:
        day = send_day(day + timedelta(days=1))
    return day


def _schedule_review(
    session: Session, user_id: str, lesson_id: str, today: date, send_day: Callable[[date], date]
) -> date:
    due = _review_day(session, user_id, lesson_id, today + timedelta(days=INTERVALS[0]), send_day)
    values = {"step": 0, "due_on": due, "state": ReviewState.WAITING, "sends": 0, "updated_at": utcnow()}
    _insert_ignore(session, QuizReview, user_id=user_id, lesson_id=lesson_id, **values)
    item = session.scalars(
        select(QuizReview).where(QuizReview.user_id == user_id, QuizReview.lesson_id == lesson_id)
    ).one()
    item.step, item.due_on, item.state = 0, due, ReviewState.WAITING
    return due


def _advance_review(
    session: Session, quiz: QuizRef, correct: bool, today: date, send_day: Callable[[date], date]
) -> tuple[date | None, bool]:
    """Move a DM review on after its answer: ``(next due date, done)``; an answer to an outdated DM changes
    nothing."""
    item = session.get(QuizReview, quiz.review_id)
    if item is None or item.state != ReviewState.SENT or item.sends != quiz.send:
        return None, False
    item.step = item.step + 1 if correct else 0
    if item.step >= len(INTERVALS):
        item.state = ReviewState.DONE
        return None, True
    target = today + timedelta(days=INTERVALS[item.step])
    item.state, item.due_on = ReviewState.WAITING, _review_day(session, item.user_id, item.lesson_id, target, send_day)
    return item.due_on, False


def review_lesson_id(session: Session, review_id: int | None) -> str | None:
    item = session.get(QuizReview, review_id) if review_id is not None else None
    return item.lesson_id if item else None


def has_answered(session: Session, user_id: str, quiz_key: str) -> bool:
    """Whether ``user_id`` answered the quiz ``quiz_key``."""
    found = select(QuizAnswer.id).where(QuizAnswer.quiz == quiz_key, QuizAnswer.user_id == user_id)
    return session.scalar(found) is not None


def reviews_enabled(session: Session, user_id: str) -> bool:
    setting = session.get(ReviewSetting, user_id)
    return setting is None or setting.enabled


def set_reviews(core: Core, user_id: str, enabled: bool) -> None:
    with transaction(core.sessions) as session:
        setting = session.get(ReviewSetting, user_id) or ReviewSetting(user_id=user_id)
        setting.enabled = enabled
        session.add(setting)


def pending_reviews(session: Session, user_id: str) -> int:
    return session.scalars(
        select(func.count()).where(
            QuizReview.user_id == user_id, QuizReview.state.in_((ReviewState.WAITING, ReviewState.SENT))
        )
    ).one()


def claim_due_reviews(session: Session, today: date) -> list[QuizReview]:
    """The reviews to DM today, at most one per person (the longest waiting), marked sent; people who turned
    reviews off are skipped (their items wait until they turn them on again)."""
    off = select(ReviewSetting.user_id).where(ReviewSetting.enabled.is_(False))
    due = session.scalars(
        select(QuizReview)
        .where(QuizReview.state == ReviewState.WAITING, QuizReview.due_on <= today, QuizReview.user_id.not_in(off))
        .order_by(QuizReview.user_id, QuizReview.due_on, QuizReview.id)
    ).all()
    chosen: dict[str, QuizReview] = {}
    for item in due:
        chosen.setdefault(item.user_id, item)
    for item in chosen.values():
        item.state, item.sends = ReviewState.SENT, item.sends + 1
    session.flush()
    return list(chosen.values())


def next_review_day(session: Session, today: date) -> date | None:
    """The first day after ``today`` a waiting review is due (of people who have reviews on), or None."""
    off = select(ReviewSetting.user_id).where(ReviewSetting.enabled.is_(False))
    return session.scalar(
        select(func.min(QuizReview.due_on)).where(
            QuizReview.state == ReviewState.WAITING, QuizReview.due_on > today, QuizReview.user_id.not_in(off)
        )
    )


# -- progress -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    posted: int
    seen: int
    answered: int
    answers: int
    correct: int
    streak_weeks: int
    reviews_pending: int
    reviews_on: bool

    @property
    def rate(self) -> int:
        return round(100 * self.correct / self.answers) if self.answers else 0


def progress(core: Core, user_id: str, channel: str | None, today: date) -> Progress:
    tz = core.settings.tz
    with core.sessions() as session:
        posted_query = select(func.count(func.distinct(ContentPost.item_id))).where(ContentPost.kind == "lesson")
        if channel:
            posted_query = posted_query.where(ContentPost.channel == channel)
        answers = session.execute(
            select(QuizAnswer.lesson_id, QuizAnswer.correct, QuizAnswer.answered_at).where(
                QuizAnswer.user_id == user_id
            )
        ).all()
        seen = set(session.scalars(select(LessonView.lesson_id).where(LessonView.user_id == user_id)))
        result = Progress(
            posted=session.scalars(posted_query).one(),
            seen=len(seen | {row.lesson_id for row in answers}),
            answered=len({row.lesson_id for row in answers}),
            answers=len(answers),
            correct=sum(1 for row in answers if row.correct),
            streak_weeks=week_streak({row.answered_at.astimezone(tz).date() for row in answers}, today),
            reviews_pending=pending_reviews(session, user_id),
            reviews_on=reviews_enabled(session, user_id),
        )
    return result


def week_streak(days: set[date], today: date) -> int:
    """Consecutive weeks (Monday to Sunday) with at least one answer, ending this week — or last week, when
    nothing has been answered yet this week."""
    weeks = defaultdict(bool)
    for day in days:
        weeks[day - timedelta(days=day.weekday())] = True
    week = today - timedelta(days=today.weekday())
    if not weeks[week]:
        week -= timedelta(days=7)
    streak = 0
    while weeks[week]:
        streak += 1
        week -= timedelta(days=7)
    return streak


# -- monthly figures (engagement report, App Home) --------------------------------------------------------------


@dataclass(frozen=True)
class QuizMonth:
    """Quiz activity in a period: every answer (reviews included) and, per lesson, its channel quizzes only
    (``L:…``: first answers, not the reviews of people who got it wrong)."""

    answers: int
    correct: int
    participants: int
    per_lesson: dict[str, tuple[int, int]]  # lesson id → (answers, correct)


def quiz_month(session: Session, start: datetime, end: datetime) -> QuizMonth:
    """Quiz answers given in [start, end)."""
    rows = session.execute(
        select(QuizAnswer.quiz, QuizAnswer.lesson_id, QuizAnswer.user_id, QuizAnswer.correct).where(
            QuizAnswer.answered_at >= start, QuizAnswer.answered_at < end
        )
    ).all()
    per_lesson: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.quiz.startswith("L:"):
            per_lesson[row.lesson_id][0] += 1
            per_lesson[row.lesson_id][1] += int(row.correct)
    return QuizMonth(
        answers=len(rows),
        correct=sum(1 for row in rows if row.correct),
        participants=len({row.user_id for row in rows}),
        per_lesson={lesson: (answers, right) for lesson, (answers, right) in per_lesson.items()},
    )


def readers(session: Session, start: datetime, end: datetime) -> set[str]:
    """People who opened a lesson for the first time or answered a quiz in [start, end)."""
    seen = select(LessonView.user_id).where(LessonView.seen_at >= start, LessonView.seen_at < end)
    answered = select(QuizAnswer.user_id).where(QuizAnswer.answered_at >= start, QuizAnswer.answered_at < end)
    return set(session.scalars(seen.union(answered)))


def lessons_posted(session: Session, start: datetime, end: datetime) -> list[str]:
    """Ids of the lessons posted in [start, end) (a lesson posted to two channels counts once), oldest first."""
    rows = session.scalars(
        select(ContentPost.item_id)
        .where(ContentPost.kind == "lesson", ContentPost.posted_at >= start, ContentPost.posted_at < end)
        .order_by(ContentPost.posted_at, ContentPost.id)
    ).all()
    return list(dict.fromkeys(rows))
