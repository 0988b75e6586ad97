"""Poll runs: open (send to every member of the poll channel), answer, remind, close.

Anonymity rules (see docs/polls.md): an anonymous run stores no user id. Who received it and who answered is
known only as ``HMAC(KIUN_SECRET_KEY, "<run id>:<user id>")``, which differs per run so runs cannot be linked;
at close those tokens are replaced by random values and the recipient list is deleted. Answers are dated to the
day. Nothing here logs an answer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.chat.address import Channel, User
from bot.chat.directory import active_members, directory_of
from bot.chat.markup import literal
from bot.db.session import rowcount, transaction
from bot.db.types import utcnow
from bot.delivery.models import OutboxMessage, OutboxState
from bot.delivery.outbox import enqueue
from bot.features.polls.models import Answered, PollAnswer, PollRecipient, PollRun, RunState, random_id
from bot.features.polls.results import compute_results
from bot.features.polls.templates import COMMENT_LIMIT, PollTemplate, Question
from bot.features.polls.views import poll_message, reminder_message, results_message
from bot.scheduling.calendar import BusinessCalendar

log = logging.getLogger(__name__)
SECRET_HINT = "set a long random secret, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class PollError(Exception):
    """Something a person asked for that cannot be done; ``key`` is the catalogue message to show, ``values`` its
    placeholders (markup)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def secret_key(core: Core) -> bytes:
    """``KIUN_SECRET_KEY``; ConfigError when it is not set (polls refuse to run without it)."""
    key = core.settings.kiun_secret_key
    if not key:
        raise ConfigError(f"KIUN_SECRET_KEY is not set: polls need it; {SECRET_HINT}")
    return key.encode("utf-8")


def respondent_token(secret: bytes, run_id: int, user_id: str) -> str:
    """The per-run pseudonym of a person: HMAC-SHA256(secret, "run:user"), hex."""
    return hmac.new(secret, f"{run_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def poll_channel(core: Core) -> str:
    channel = core.settings.kiun_poll_channel
    if not channel:
        raise ConfigError("KIUN_POLL_CHANNEL is not set: put the id of the channel whose members get polls")
    return channel


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# -- opening ---------------------------------------------------------------------------------------------------
def start_run(core: Core, template: PollTemplate, today: date) -> PollRun:
    """Create a run of ``template`` (state ``opening``) for the business day ``today`` or the next one.

    PollError ``poll.already_open`` when a run of the same poll is still open."""
    channel = poll_channel(core)
    secret_key(core)
    calendar = BusinessCalendar.current(core)
    opened_on = calendar.next_business_day(today)
    closes_on = calendar.add_business_days(opened_on, template.period_days - 1)
    remind_on = (
        calendar.add_business_days(opened_on, (template.period_days - 1) // 2 or 1)
        if template.period_days > 1
        else None
    )
    with transaction(core.sessions) as session:
        running = session.scalar(
            select(PollRun.id).where(PollRun.poll == template.id, PollRun.state.in_((RunState.OPENING, RunState.OPEN)))
        )
        if running is not None:
            raise PollError("poll.already_open", run=running)
        run = PollRun(
            poll=template.id,
            title=template.title,
            anonymous=template.anonymous,
            spec=template.to_spec(),
            state=RunState.OPENING,
            channel=channel,
            recipients=0,
            opened_on=opened_on,
            remind_on=remind_on,
            closes_on=closes_on,
        )
        session.add(run)
    log.info("poll run %d of %s created", run.id, template.id, extra={"run": run.id, "poll": template.id})
    return run


def broadcast(core: Core, run_id: int) -> int:
    """Send an ``opening`` run to every active member of its channel through the outbox; returns the number of
    recipients. Safe to repeat or to run in several processes: one wins, the others change nothing."""
    with core.sessions() as session:
        run = session.get(PollRun, run_id)
    if run is None or run.state != RunState.OPENING:
        return run.recipients if run else 0
    secret = secret_key(core)
    members = active_members(directory_of(core), run.channel)
    reply = poll_message(run, core.settings.kiun_locale)
    with transaction(core.sessions) as session:
        won = rowcount(
            session,
            update(PollRun)
            .where(PollRun.id == run_id, PollRun.state == RunState.OPENING)
            .values(state=RunState.OPEN, recipients=len(members)),
        )
        if not won:
            return len(members)
        if members:
            rows = [{"run_id": run_id, "token": respondent_token(secret, run_id, user)} for user in members]
            session.execute(_insert(session)(PollRecipient).values(rows).on_conflict_do_nothing())
        for user in members:
            enqueue(session, f"poll:{run_id}:{user}", User(platform=core.platform, id=user), reply)
    log.info("poll run %d sent to %d members", run_id, len(members), extra={"run": run_id, "recipients": len(members)})
    return len(members)


def resume_opening(core: Core) -> list[int]:
    """Finish runs left ``opening`` (e.g. the process stopped while listing members); their ids."""
    with core.sessions() as session:
        ids = list(session.scalars(select(PollRun.id).where(PollRun.state == RunState.OPENING).order_by(PollRun.id)))
    for run_id in ids:
        broadcast(core, run_id)
    return ids


def open_run(core: Core, template: PollTemplate, today: date) -> PollRun:
    """Create a run and send it now (jobs and the console)."""
    run = start_run(core, template, today)
    run.recipients = broadcast(core, run.id)
    run.state = RunState.OPEN
    return run


# -- answering -------------------------------------------------------------------------------------------------
def _open_run(session: Session, run_id: int) -> PollRun:
    """Lock the run against closing for this transaction, or PollError when it is not open."""
    locked = rowcount(
        session,
        update(PollRun).where(PollRun.id == run_id, PollRun.state == RunState.OPEN).values(state=PollRun.state),
    )
    run = session.get(PollRun, run_id)
    if run is None:
        raise PollError("poll.not_found", run=run_id)
    if not locked:
        raise PollError("poll.closed" if run.state == RunState.CLOSED else "poll.not_ready", title=literal(run.title))
    return run


def _check_recipient(session: Session, run_id: int, token: str) -> None:
    known = session.scalar(
        select(PollRecipient.token).where(PollRecipient.run_id == run_id, PollRecipient.token == token)
    )
    if known is None:
        raise PollError("poll.not_recipient")


def parse_value(question: Question, raw: str) -> tuple[int | None, str | None]:
    """(value_int, value_text) for a raw answer; PollError ``poll.bad_value`` when it does not fit."""
    raw = raw.strip()
    if question.type in ("likert5", "enps"):
        low, high = (1, 5) if question.type == "likert5" else (0, 10)
        if raw.isdecimal() and low <= int(raw) <= high:
            return int(raw), None
    elif question.type == "choice":
        if any(raw == value for value, _ in question.options):
            return None, raw
    elif question.type == "text":
        if len(raw) > COMMENT_LIMIT:
            raise PollError("poll.comment_too_long", length=len(raw), limit=COMMENT_LIMIT)
        return None, raw or None
    raise PollError("poll.bad_value")


def record_answer(core: Core, user_id: str, run_id: int, question_id: str, raw: str, today: date) -> Answered:
    """Store (or change) one answer; an empty text answer removes the comment. Raises PollError."""
    secret = secret_key(core)
    token = respondent_token(secret, run_id, user_id)
    with transaction(core.sessions) as session:
        run = _open_run(session, run_id)
        template = PollTemplate.from_spec(run.spec)
        question = template.question(question_id)
        if question is None:
            raise PollError("poll.bad_value")
        value_int, value_text = parse_value(question, raw)
        _check_recipient(session, run_id, token)
        mine = (PollAnswer.run_id == run_id, PollAnswer.question == question_id, PollAnswer.respondent == token)
        if value_int is None and value_text is None:
            session.execute(delete(PollAnswer).where(*mine))
        else:
            values = {"value_int": value_int, "value_text": value_text, "answered_on": today}
            row = values | {
                "id": random_id(),
                "run_id": run_id,
                "question": question_id,
                "respondent": token,
                "user_id": None if run.anonymous else user_id,
            }
            statement = _insert(session)(PollAnswer).values(row)
            session.execute(
                statement.on_conflict_do_update(index_elements=["run_id", "question", "respondent"], set_=values)
            )
        answered = session.scalars(
            select(func.count()).where(PollAnswer.run_id == run_id, PollAnswer.respondent == token)
        ).one()
        core.home_changed(user_id, session)  # "polls waiting for your answer" on the App Home
        return Answered(answered, len(template.questions), run.closes_on)


def current_text(core: Core, user_id: str, run_id: int, question_id: str) -> str:
    """This person's current free-text answer (to edit it), "" when none or the run is closed."""
    token = respondent_token(secret_key(core), run_id, user_id)
    with core.sessions() as session:
        return (
            session.scalar(
                select(PollAnswer.value_text).where(
                    PollAnswer.run_id == run_id, PollAnswer.question == question_id, PollAnswer.respondent == token
                )
            )
            or ""
        )


def open_runs_for(core: Core, user_id: str) -> list[tuple[PollRun, int]]:
    """The open runs sent to ``user_id``, each with the number of questions they have answered."""
    secret = secret_key(core)
    result = []
    with core.sessions() as session:
        for run in session.scalars(select(PollRun).where(PollRun.state == RunState.OPEN).order_by(PollRun.id)):
            token = respondent_token(secret, run.id, user_id)
            if session.get(PollRecipient, (run.id, token)) is None:
                continue
            answered = session.scalars(
                select(func.count()).where(PollAnswer.run_id == run.id, PollAnswer.respondent == token)
            ).one()
            result.append((run, answered))
    return result


# -- reminding and closing -------------------------------------------------------------------------------------
def remind(core: Core, run_id: int) -> int:
    """DM the members who have not answered any question yet, once per run; returns how many were reminded."""
    with core.sessions() as session:
        run = session.get(PollRun, run_id)
    if run is None or run.state != RunState.OPEN or run.reminded_at is not None:
        return 0
    secret = secret_key(core)
    tokens = {respondent_token(secret, run_id, user): user for user in directory_of(core).members(run.channel)}
    reply = reminder_message(run, core.settings.kiun_locale)
    with transaction(core.sessions) as session:
        claimed = rowcount(
            session,
            update(PollRun)
            .where(PollRun.id == run_id, PollRun.state == RunState.OPEN, PollRun.reminded_at.is_(None))
            .values(reminded_at=utcnow()),
        )
        if not claimed:
            return 0
        recipients = set(session.scalars(select(PollRecipient.token).where(PollRecipient.run_id == run_id)))
        answered = set(session.scalars(select(PollAnswer.respondent).where(PollAnswer.run_id == run_id).distinct()))
        targets = [user for token, user in tokens.items() if token in recipients - answered]
        for user in targets:
            enqueue(session, f"poll-remind:{run_id}:{user}", User(platform=core.platform, id=user), reply)
    log.info("poll run %d: %d reminders", run_id, len(targets), extra={"run": run_id, "reminded": len(targets)})
    return len(targets)


def close_run(core: Core, run_id: int) -> PollRun:
    """Close a run now, unlink its answers from everyone for good, and post the results to its channel.

    PollError ``poll.not_found`` / ``poll.already_closed``."""
    with transaction(core.sessions) as session:
        closed = rowcount(
            session,
            update(PollRun)
            .where(PollRun.id == run_id, PollRun.state.in_((RunState.OPENING, RunState.OPEN)))
            .values(state=RunState.CLOSED, closed_at=utcnow()),
        )
        run = session.get(PollRun, run_id)
        if run is None:
            raise PollError("poll.not_found", run=run_id)
        if not closed:
            raise PollError("poll.already_closed", run=run_id, title=literal(run.title))
        _unlink(session, run_id)
        results = compute_results(session, run)
        to = Channel(platform=core.platform, id=run.channel)
        enqueue(session, f"poll-results:{run_id}", to, results_message(results, core.settings.kiun_locale))
    log.info("poll run %d closed", run_id, extra={"run": run_id})
    return run


def _unlink(session: Session, run_id: int) -> None:
    """Replace each respondent's HMAC by a random value, delete the recipient tokens, and forget who was
    reminded (the reminder DMs in the outbox), so nothing links a person to this run's answers any more."""
    for token in list(session.scalars(select(PollAnswer.respondent).where(PollAnswer.run_id == run_id).distinct())):
        session.execute(
            update(PollAnswer)
            .where(PollAnswer.run_id == run_id, PollAnswer.respondent == token)
            .values(respondent=secrets.token_hex(32))
        )
    session.execute(delete(PollRecipient).where(PollRecipient.run_id == run_id))
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.key.like(f"poll-remind:{run_id}:%"), OutboxMessage.state != OutboxState.SENDING
        )
    )
