"""Helpers for the poll tests: open a run for a list of people, answer as them, read the results."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from bot.app.core import Core
from bot.features.polls.results import RunResults, compute_results
from bot.features.polls.runs import open_run, record_answer
from bot.features.polls.templates import get_template
from bot.models import OutboxMessage, PollAnswer, PollRun
from bot.platforms.console.directory import ConsoleDirectory

USERS = [f"U{n:04d}" for n in range(1, 13)]


def open_for(core: Core, users: list[str], poll: str = "dx-momentum", today: date | None = None) -> PollRun:
    """Open ``poll`` for ``users`` (the console directory stands in for the channel)."""
    core.directory = ConsoleDirectory(users)
    return open_run(core, get_template(poll), today or core.local_now().date())


def answer(core: Core, run: PollRun, user: str, question: str, value: str) -> None:
    record_answer(core, user, run.id, question, value, core.local_now().date())


def results(core: Core, run_id: int) -> RunResults:
    with core.sessions() as session:
        return compute_results(session, session.get(PollRun, run_id))


def question(results: RunResults, question_id: str):
    return next(q for q in results.questions if q.question.id == question_id)


def at(day: date, hour: int, core: Core) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=core.settings.tz)


def outbox_keys(core: Core, prefix: str) -> dict[str, OutboxMessage]:
    with core.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.key.like(prefix + "%"))).all()
    return {row.key: row for row in rows}


def answer_rows(core: Core, run_id: int) -> list[PollAnswer]:
    with core.sessions() as session:
        return list(session.scalars(select(PollAnswer).where(PollAnswer.run_id == run_id)))


def get_run(core: Core, run_id: int) -> PollRun:
    with core.sessions() as session:
        return session.get(PollRun, run_id)
