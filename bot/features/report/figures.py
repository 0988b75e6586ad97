"""The month's engagement figures, gathered from each feature's own queries (polls, ideas, lessons, Q&A).

Who counts as *active*: anyone who opened a lesson, answered a quiz, proposed, voted, commented or asked a
question in the month. Poll answers cannot count: they are anonymous by design and cannot be linked to anyone.
Every figure per department obeys the polls' anonymity thresholds (:func:`bot.features.polls.results.suppress`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.common.departments import load_departments
from bot.common.japanese import normalize
from bot.content.tree import content_root
from bot.features.ideas import stats as idea_stats
from bot.features.ideas.models import IdeaStatus
from bot.features.ideas.rules import STATUSES
from bot.features.lessons import learning
from bot.features.lessons.catalogue import catalogue
from bot.features.polls.models import PollRun
from bot.features.polls.results import (
    MIN_SCORES,
    NO_GROUP,
    GroupIndex,
    RunSummary,
    TrendPoint,
    compute_results,
    group_indexes,
    momentum_trend,
    runs_opened_between,
    suppress,
)
from bot.features.polls.templates import PollTemplate
from bot.features.qa.models import QaFeedback, QaQuestion
from bot.features.report.month import Month

MOMENTUM_POLL = "dx-momentum"
TREND_RUNS = 12
HARDEST_SHOWN = 3
GAPS_SHOWN = 10
ADOPTED_STATUSES = (IdeaStatus.ADOPTED, IdeaStatus.PARTIAL)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Momentum:
    """The momentum trend up to the month's end, the latest closed run (and the one before it) and, for the
    latest run of the month, the index per department."""

    trend: list[TrendPoint]
    departments: list[GroupIndex] = field(default_factory=list)
    core_questions: list[str] = field(default_factory=list)

    @property
    def latest(self) -> TrendPoint | None:
        return self.trend[-1] if self.trend else None

    @property
    def change(self) -> float | None:
        """The latest index minus the one before it (None when either is missing or hidden)."""
        if len(self.trend) < 2 or self.trend[-1].index is None or self.trend[-2].index is None:
            return None
        return round(self.trend[-1].index - self.trend[-2].index, 1)


@dataclass(frozen=True)
class DepartmentIdeas:
    """Ideas of one department; ``ideas`` and ``adopted`` are None where the thresholds hide them."""

    key: str
    label: str
    ideas: int | None
    adopted: int | None


@dataclass(frozen=True)
class AdoptedIdea:
    id: int
    title: str
    department: str
    status: str  # the status reached last in the month: adopted, partial or done
    votes: int
    hours_saved: int | None


@dataclass(frozen=True)
class Ideas:
    received: int
    by_status: dict[str, int]  # this month's ideas by their status now
    departments: list[DepartmentIdeas]
    adopted: int  # moved to 採用/一部採用 in the month
    implemented: int  # moved to 実施済 in the month
    adopted_list: list[AdoptedIdea]
    responded: int  # of this month's ideas, moved on from 受付 by now
    median_days: float | None  # days from proposal to the first status change (median)
    mean_days: float | None


@dataclass(frozen=True)
class LessonQuiz:
    lesson_id: str
    title: str
    answers: int
    correct: int

    @property
    def rate(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class Quizzes:
    posted: list[str]  # titles of the lessons posted in the month
    answers: int
    correct: int
    participants: int
    lessons: list[LessonQuiz]  # channel quizzes answered in the month, in curriculum order
    hardest: list[LessonQuiz]  # lowest correct rate among lessons with at least MIN_SCORES answers


@dataclass(frozen=True)
class Questions:
    total: int
    answered: int
    refused: int
    blocked: int  # personal data found: nothing was sent anywhere
    rated: int
    helpful: int
    askers: int
    gaps: list[tuple[str, int]]  # refused or 👎 questions (redacted), most asked first

    @property
    def refusal_rate(self) -> float | None:
        return ratio(self.refused, self.total)

    @property
    def helpful_rate(self) -> float | None:
        return ratio(self.helpful, self.rated)


@dataclass(frozen=True)
class Funnel:
    """Distinct people at each step of the month (poll answers are anonymous: counted apart, per run)."""

    reached: int  # members of the poll channel (the latest run of the month), else the active staff
    learned: int  # opened a lesson or answered a quiz
    contributed: int  # proposed, voted or commented on an idea
    asked: int  # asked a question
    active: int  # any of the above


@dataclass(frozen=True)
class Glance:
    """This month at a glance (the App Home's admin part and the report's headline)."""

    month: Month
    active_staff: int
    poll_recipients: int
    poll_responses: int
    momentum: TrendPoint | None
    momentum_change: float | None
    ideas_received: int
    ideas_adopted: int
    ideas_implemented: int
    questions_answered: int
    questions_refused: int

    @property
    def response_rate(self) -> float | None:
        return ratio(self.poll_responses, self.poll_recipients)


@dataclass(frozen=True)
class Figures:
    """Everything the monthly report shows."""

    month: Month
    built_at: datetime
    glance: Glance
    previous: Glance
    funnel: Funnel
    polls: list[RunSummary]
    momentum: Momentum
    ideas: Ideas
    quizzes: Quizzes
    questions: Questions


# -- gathering ---------------------------------------------------------------------------------------------------


def gather(core: Core, month: Month) -> Figures:
    """Every figure of the report for ``month``."""
    start, end = month.bounds(core.settings.tz)
    polls = runs_opened_between(core, month.first, month.last)
    momentum = _momentum(core, month, TREND_RUNS, departments=True)
    with core.sessions() as session:
        readers = learning.readers(session, start, end)
        contributors = idea_stats.contributors(session, start, end)
        askers = _askers(session, start, end)
        ideas = _ideas(session, start, end)
        quizzes = _quizzes(session, start, end)
        questions = qa_figures(session, start, end)
    active = len(readers | contributors | askers)
    funnel = Funnel(_reached(polls, active), len(readers), len(contributors), len(askers), active)
    glance = _glance(month, active, polls, momentum, ideas.received, ideas.adopted, ideas.implemented, questions)
    return Figures(
        month=month,
        built_at=core.local_now(),
        glance=glance,
        previous=month_glance(core, month.previous()),
        funnel=funnel,
        polls=polls,
        momentum=momentum,
        ideas=ideas,
        quizzes=quizzes,
        questions=questions,
    )


def month_glance(core: Core, month: Month) -> Glance:
    """Only the headline figures of ``month`` (cheaper than :func:`gather`; the App Home uses it)."""
    start, end = month.bounds(core.settings.tz)
    polls = runs_opened_between(core, month.first, month.last)
    momentum = _momentum(core, month, 2, departments=False)
    with core.sessions() as session:
        active = learning.readers(session, start, end) | idea_stats.contributors(session, start, end)
        active |= _askers(session, start, end)
        received = len(idea_stats.created_between(session, start, end))
        adopted = len(idea_stats.moved_to(session, ADOPTED_STATUSES, start, end))
        implemented = len(idea_stats.moved_to(session, (IdeaStatus.DONE,), start, end))
        questions = qa_figures(session, start, end, gaps=False)
    return _glance(month, len(active), polls, momentum, received, adopted, implemented, questions)


def _glance(month, active, polls, momentum, received, adopted, implemented, questions) -> Glance:
    return Glance(
        month=month,
        active_staff=active,
        poll_recipients=sum(run.recipients for run in polls),
        poll_responses=sum(run.responses for run in polls),
        momentum=momentum.latest,
        momentum_change=momentum.change,
        ideas_received=received,
        ideas_adopted=adopted,
        ideas_implemented=implemented,
        questions_answered=questions.answered,
        questions_refused=questions.refused,
    )


def _reached(polls: list[RunSummary], active: int) -> int:
    return polls[-1].recipients if polls else active


def _momentum(core: Core, month: Month, runs: int, departments: bool) -> Momentum:
    trend = momentum_trend(core, MOMENTUM_POLL, runs, until=month.last)
    if not departments:
        return Momentum(trend)
    in_month = [point for point in trend if point.opened_on >= month.first]
    with core.sessions() as session:
        latest = session.get(PollRun, in_month[-1].run) if in_month else None
        groups = group_indexes(compute_results(session, latest, with_previous=False)) if latest else []
        spec = latest.spec if latest else _latest_spec(session)
    texts = [q.text for q in PollTemplate.from_spec(spec).questions if q.core] if spec else []
    return Momentum(trend, groups, texts)


def _latest_spec(session: Session) -> dict | None:
    run = session.scalar(select(PollRun).where(PollRun.poll == MOMENTUM_POLL).order_by(PollRun.id.desc()).limit(1))
    return run.spec if run else None


def _ideas(session: Session, start: datetime, end: datetime) -> Ideas:
    received = idea_stats.created_between(session, start, end)
    ids = [idea.id for idea in received]
    by_status = Counter(idea.status for idea in received)
    moved = idea_stats.moved_to(session, (*ADOPTED_STATUSES, IdeaStatus.DONE), start, end)
    votes = idea_stats.vote_counts(session, [idea.id for idea, _ in moved])
    names = {department.id: department.name for department in load_departments()}
    adopted_list = [
        AdoptedIdea(
            idea.id,
            idea.title,
            names.get(idea.department or "", idea.department or ""),
            status,
            votes.get(idea.id, 0),
            idea.hours_saved,
        )
        for idea, status in moved
    ]
    first = idea_stats.first_responses(session, ids)
    days = [(first[idea.id] - idea.created_at).total_seconds() / 86400 for idea in received if idea.id in first]
    return Ideas(
        received=len(received),
        by_status={status: by_status.get(status, 0) for status in STATUSES},
        departments=_departments(received, names),
        adopted=len(idea_stats.moved_to(session, ADOPTED_STATUSES, start, end)),
        implemented=len(idea_stats.moved_to(session, (IdeaStatus.DONE,), start, end)),
        adopted_list=adopted_list,
        responded=len(days),
        median_days=round(statistics.median(days), 1) if days else None,
        mean_days=round(statistics.fmean(days), 1) if days else None,
    )


def _departments(received, names: dict[str, str]) -> list[DepartmentIdeas]:
    """Ideas per department (ideas without one form a group of their own), hidden per the thresholds."""
    counts = Counter(idea.department or NO_GROUP for idea in received)
    adopted = Counter(
        idea.department or NO_GROUP for idea in received if idea.status in (*ADOPTED_STATUSES, IdeaStatus.DONE)
    )
    hidden = suppress(dict(counts), MIN_SCORES)
    order = [*names, NO_GROUP]
    rows = []
    for key in sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k)):
        shown = key not in hidden
        label = "" if key == NO_GROUP else names.get(key, key)
        rows.append(DepartmentIdeas(key, label, counts[key] if shown else None, adopted[key] if shown else None))
    return rows


def _quizzes(session: Session, start: datetime, end: datetime) -> Quizzes:
    lessons = catalogue(content_root(session))
    month = learning.quiz_month(session, start, end)
    titles = {lesson.id: lesson.title for lesson in lessons.lessons}
    order = {lesson.id: index for index, lesson in enumerate(lessons.lessons)}
    rows = [
        LessonQuiz(lesson_id, titles.get(lesson_id, lesson_id), answers, correct)
        for lesson_id, (answers, correct) in month.per_lesson.items()
    ]
    rows.sort(key=lambda row: (order.get(row.lesson_id, len(order)), row.lesson_id))
    ranked = sorted((row for row in rows if row.answers >= MIN_SCORES), key=lambda row: (row.rate, row.lesson_id))
    posted = [titles.get(lesson_id, lesson_id) for lesson_id in learning.lessons_posted(session, start, end)]
    return Quizzes(posted, month.answers, month.correct, month.participants, rows, ranked[:HARDEST_SHOWN])


# -- Q&A (the Q&A service has no period queries yet; they live here until it does) -------------------------------


def _asked(start: datetime, end: datetime):
    """Questions staff asked in [start, end) (questions tried with ``kiun ask`` are left out)."""
    return (
        select(QaQuestion)
        .where(QaQuestion.created_at >= start, QaQuestion.created_at < end, QaQuestion.platform != "cli")
        .order_by(QaQuestion.id)
    )


def _askers(session: Session, start: datetime, end: datetime) -> set[str]:
    return set(session.scalars(_asked(start, end).with_only_columns(QaQuestion.user_id)))


def qa_figures(session: Session, start: datetime, end: datetime, gaps: bool = True) -> Questions:
    """Questions asked in [start, end): volume, answered, refused (the documents did not cover them), blocked
    (personal data), 👍 share of the rated ones, and the document gaps (refused or 👎 questions, grouped)."""
    questions = session.scalars(_asked(start, end)).all()
    ids = [question.id for question in questions]
    ratings = (
        session.execute(select(QaFeedback.question_id, QaFeedback.helpful).where(QaFeedback.question_id.in_(ids))).all()
        if ids
        else []
    )
    unhelpful = {question_id for question_id, helpful in ratings if not helpful}
    counted: Counter[str] = Counter()
    shown: dict[str, str] = {}
    if gaps:
        for question in questions:
            if question.mode == "refused" or question.id in unhelpful:
                key = normalize(question.question)
                counted[key] += 1
                shown.setdefault(key, question.question)
    return Questions(
        total=len(questions),
        answered=sum(1 for question in questions if question.answered),
        refused=sum(1 for question in questions if question.mode == "refused"),
        blocked=sum(1 for question in questions if question.mode == "blocked"),
        rated=len(ratings),
        helpful=sum(1 for _, helpful in ratings if helpful),
        askers=len({question.user_id for question in questions}),
        gaps=[(shown[key], count) for key, count in counted.most_common(GAPS_SHOWN)],
    )
