"""Poll results with the anonymity thresholds, and the momentum trend across runs.

For anonymous runs: scores (mean, distribution) need at least :data:`MIN_SCORES` answers, comments at least
:data:`MIN_COMMENTS`; below that the values are None ("hidden"). Per-group breakdowns (e.g. per department, from
the template's ``breakdown: true`` question — never from who someone is) follow the same thresholds with
complementary suppression: when exactly one group is hidden, the next-smallest is hidden too, so the hidden one
cannot be worked out by subtracting the others from the total. Named (non-anonymous) runs show everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.features.polls.models import PollAnswer, PollRun, RunState
from bot.features.polls.templates import PollTemplate, Question

MIN_SCORES = 5
MIN_COMMENTS = 10
NO_GROUP = "-"  # respondents who did not answer the breakdown question


@dataclass
class GroupResult:
    label: str
    n: int
    mean: float | None = None
    enps: int | None = None
    comments: list[str] | None = None

    def to_json(self, kind: str) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "n": self.n}
        if kind == "text":
            return data | {"comments": self.comments}
        data["mean"] = self.mean
        return data | {"enps": self.enps} if kind == "enps" else data


@dataclass
class QuestionResult:
    question: Question
    n: int
    mean: float | None = None
    enps: int | None = None
    distribution: dict[str, int | None] | None = None
    comments: list[str] | None = None
    breakdown: dict[str, GroupResult] | None = None
    previous: float | None = None  # the same measure (mean, or eNPS) in the previous run that showed it

    @property
    def score(self) -> float | None:
        """The headline number: eNPS for enps questions, else the mean."""
        return self.enps if self.question.type == "enps" else self.mean

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.question.id,
            "type": self.question.type,
            "n": self.n,
            "mean": self.mean,
            "distribution": self.distribution,
            "comments": self.comments,
        }
        if self.question.type == "enps":
            data["enps"] = self.enps
        if self.breakdown is not None:
            data["breakdown"] = {key: group.to_json(self.question.type) for key, group in self.breakdown.items()}
        return data


@dataclass
class RunResults:
    run: PollRun
    number: int  # 1 for the poll's first run, …
    responses: int
    hidden: bool
    questions: list[QuestionResult] = field(default_factory=list)
    respondents: list[str] | None = None  # named runs only

    @property
    def rate(self) -> float | None:
        return self.responses / self.run.recipients if self.run.recipients else None

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run.id,
            "poll": self.run.poll,
            "recipients": self.run.recipients,
            "responses": self.responses,
            "hidden": self.hidden,
            "questions": [question.to_json() for question in self.questions],
        }


def suppress(counts: dict[str, int], threshold: int) -> set[str]:
    """The groups to hide: those with fewer than ``threshold`` (but some) answers, and when that is exactly one
    group, also the smallest shown one (complementary suppression)."""
    present = {group: count for group, count in counts.items() if count > 0}
    hidden = {group for group, count in present.items() if count < threshold}
    if len(hidden) == 1:
        shown = sorted((count, group) for group, count in present.items() if group not in hidden)
        if shown:
            hidden.add(shown[0][1])
    return hidden


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def enps(values: list[int]) -> int | None:
    """Promoters (9-10) minus detractors (0-6), in percent of answers."""
    if not values:
        return None
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return round(100 * (promoters - detractors) / len(values))


def compute_results(session: Session, run: PollRun, with_previous: bool = True) -> RunResults:
    """The results of ``run`` (open or closed) as the thresholds allow."""
    template = PollTemplate.from_spec(run.spec)
    rows = session.execute(
        select(
            PollAnswer.question, PollAnswer.respondent, PollAnswer.value_int, PollAnswer.value_text, PollAnswer.user_id
        )
        .where(PollAnswer.run_id == run.id)
        .order_by(PollAnswer.id)  # random ids: an order that says nothing about who answered when
    ).all()
    respondents = {row.respondent for row in rows}
    anonymous = run.anonymous
    hidden = anonymous and len(respondents) < MIN_SCORES
    split = template.breakdown
    groups = {row.respondent: row.value_text for row in rows if split and row.question == split.id}
    number = session.scalars(select(func.count()).where(PollRun.poll == run.poll, PollRun.id <= run.id)).one()
    results = RunResults(run, number, len(respondents), hidden)
    if not anonymous:
        results.respondents = sorted({row.user_id for row in rows if row.user_id})
    for question in template.questions:
        answers = [row for row in rows if row.question == question.id]
        result = _question(question, answers, len(respondents), anonymous, hidden)
        if split is not None and question is not split and question.type != "choice":
            result.breakdown = _breakdown(question, split, answers, groups, anonymous, hidden)
        results.questions.append(result)
    if with_previous:
        _add_previous(session, run, results)
    return results


def _question(question: Question, answers: list, responses: int, anonymous: bool, hidden: bool) -> QuestionResult:
    n = len(answers)
    result = QuestionResult(question, n)
    if question.type == "text":
        if not anonymous or n >= MIN_COMMENTS:
            result.comments = [row.value_text for row in answers]
        return result
    if hidden or (anonymous and n < MIN_SCORES):
        return result
    if question.scored:
        values = [row.value_int for row in answers]
        low, high = (1, 5) if question.type == "likert5" else (0, 10)
        counts = Counter(values)
        result.distribution = {str(v): counts.get(v, 0) for v in range(low, high + 1)}
        result.mean = _mean(values)
        if question.type == "enps":
            result.enps = enps(values)
        return result
    counts = Counter(row.value_text for row in answers)
    chosen = {value: counts[value] for value, _ in question.options if counts[value]}
    distribution: dict[str, int | None] = dict(chosen)
    if question.breakdown and anonymous:  # group sizes follow the thresholds too; skipping it is a group as well
        sizes = chosen | {NO_GROUP: responses - n}
        for group in suppress(sizes, MIN_SCORES) - {NO_GROUP}:
            distribution[group] = None
    result.distribution = distribution
    return result


def _breakdown(
    question: Question, split: Question, answers: list, groups: dict[str, str], anonymous: bool, hidden: bool
) -> dict[str, GroupResult]:
    by_group: dict[str, list] = defaultdict(list)
    for row in answers:
        by_group[groups.get(row.respondent) or NO_GROUP].append(row)
    threshold = MIN_COMMENTS if question.type == "text" else MIN_SCORES
    suppressed = suppress({g: len(rows) for g, rows in by_group.items()}, threshold) if anonymous else set()
    order = [value for value, _ in split.options] + [NO_GROUP]
    result = {}
    for group in sorted(by_group, key=lambda g: order.index(g) if g in order else len(order)):
        rows = by_group[group]
        entry = GroupResult(split.label(group) if group != NO_GROUP else "", len(rows))
        if not (group in suppressed or (hidden and question.scored)):
            if question.type == "text":
                entry.comments = [row.value_text for row in rows]
            else:
                values = [row.value_int for row in rows]
                entry.mean = _mean(values)
                entry.enps = enps(values) if question.type == "enps" else None
        result[group] = entry
    return result


def _add_previous(session: Session, run: PollRun, results: RunResults) -> None:
    """For each scored question, its headline number in the latest earlier run of the poll that showed it."""
    earlier = session.scalars(
        select(PollRun)
        .where(PollRun.poll == run.poll, PollRun.id < run.id, PollRun.state == RunState.CLOSED)
        .order_by(PollRun.id.desc())
    ).all()
    wanted = {q.question.id: q for q in results.questions if q.question.scored}
    for previous in earlier:
        if not wanted:
            return
        for old in compute_results(session, previous, with_previous=False).questions:
            current = wanted.get(old.question.id)
            if current is not None and old.question.type == current.question.type and old.score is not None:
                current.previous = old.score
                del wanted[old.question.id]


def scaled(kind: str, score: float) -> float:
    """A core question's headline number on a 0–100 scale: a likert5 mean 1 → 0 … 5 → 100, an eNPS
    −100 → 0 … +100 → 100."""
    return (score - 1) * 25 if kind == "likert5" else (score + 100) / 2


def momentum_index(scores: list[tuple[str, float | None]]) -> float | None:
    """The DX momentum index (機運指数, 0–100): the mean of the core questions' headline numbers on the 0–100
    scale of :func:`scaled`; None without core questions or when the thresholds hid one of them.

    ``scores`` are (question type, headline number) pairs of the core questions."""
    known = [(kind, score) for kind, score in scores if score is not None]
    if not scores or len(known) < len(scores):
        return None
    return round(sum(scaled(kind, score) for kind, score in known) / len(known), 1)


def run_index(results: RunResults) -> float | None:
    """The momentum index of one run."""
    return momentum_index([(q.question.type, q.score) for q in results.questions if q.question.core])


@dataclass(frozen=True)
class GroupIndex:
    """The momentum index of one breakdown group (e.g. a department); None where the thresholds hide it."""

    key: str
    label: str
    n: int
    index: float | None


def group_indexes(results: RunResults) -> list[GroupIndex]:
    """The momentum index per breakdown group, in the breakdown's order. A group is hidden when any of its core
    questions is (each question's breakdown already applies the thresholds and complementary suppression)."""
    breakdowns = [
        (q.question.type, q.breakdown) for q in results.questions if q.question.core and q.breakdown is not None
    ]
    keys: list[str] = []
    for _, breakdown in breakdowns:
        keys += [key for key in breakdown if key not in keys]
    rows = []
    for key in keys:
        groups = [(kind, breakdown.get(key)) for kind, breakdown in breakdowns]
        pairs = [(kind, None if g is None else g.enps if kind == "enps" else g.mean) for kind, g in groups]
        label = next((g.label for _, g in groups if g is not None), "")
        n = max((g.n for _, g in groups if g is not None), default=0)
        rows.append(GroupIndex(key, label, n, momentum_index(pairs)))
    return rows


@dataclass(frozen=True)
class TrendPoint:
    """One closed run of a poll in the momentum trend (None where the thresholds hid a value)."""

    run: int
    opened_on: date
    recipients: int
    responses: int
    scores: dict[str, float | None]  # core question id → mean (likert5) or eNPS (enps)
    index: float | None = None  # the momentum index (see momentum_index)


def momentum_trend(
    core: Core, poll: str = "dx-momentum", limit: int = 12, until: date | None = None
) -> list[TrendPoint]:
    """The core questions of the last ``limit`` closed runs of ``poll`` (opened on or before ``until`` when
    given), oldest first (for the engagement report and the results' comparison)."""
    with core.sessions() as session:
        query = select(PollRun).where(PollRun.poll == poll, PollRun.state == RunState.CLOSED)
        if until is not None:
            query = query.where(PollRun.opened_on <= until)
        runs = session.scalars(query.order_by(PollRun.id.desc()).limit(limit)).all()
        points = []
        for run in reversed(runs):
            results = compute_results(session, run, with_previous=False)
            scores = {q.question.id: q.score for q in results.questions if q.question.core}
            index = run_index(results)
            points.append(TrendPoint(run.id, run.opened_on, run.recipients, results.responses, scores, index))
    return points


@dataclass(frozen=True)
class RunSummary:
    """A run's reach: how many it was sent to and how many answered at least one question."""

    run: int
    poll: str
    title: str
    state: str
    opened_on: date
    recipients: int
    responses: int


def runs_opened_between(core: Core, first: date, last: date) -> list[RunSummary]:
    """Every run opened from ``first`` to ``last`` (inclusive), oldest first, with its number of respondents."""
    with core.sessions() as session:
        runs = session.scalars(
            select(PollRun).where(PollRun.opened_on >= first, PollRun.opened_on <= last).order_by(PollRun.id)
        ).all()
        counts = dict(
            session.execute(
                select(PollAnswer.run_id, func.count(func.distinct(PollAnswer.respondent)))
                .where(PollAnswer.run_id.in_([run.id for run in runs]))
                .group_by(PollAnswer.run_id)
            ).all()
        )
    return [
        RunSummary(run.id, run.poll, run.title, run.state, run.opened_on, run.recipients, counts.get(run.id, 0))
        for run in runs
    ]
