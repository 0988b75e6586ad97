"""Anonymity as stored: after an anonymous run (signed requests, real sender), no table holds a respondent's user
id next to an answer, the per-run HMACs are gone after close, answers carry only a day, and logs hold no answer.
And a broadcast interrupted mid-way resumes without sending anyone the poll twice."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.delivery.outbox import Sender
from bot.features.polls.jobs import poll_close, poll_remind
from bot.features.polls.runs import broadcast, respondent_token, secret_key, start_run
from bot.features.polls.templates import get_template
from bot.models import Base, OutboxMessage
from bot.platforms.slack.client import make_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.transport import SlackTransport
from tests.integration.test_polls_slack import comment, deliver, press, start
from tests.polls_support import at, get_run

PEOPLE = [f"U{n:04d}" for n in range(1, 13)]
RESPONDENTS = PEOPLE[:7]
COMMENTS = {user: f"匿名のはずの意見その{n}" for n, user in enumerate(RESPONDENTS, 1)}
POLL_TABLES = {"poll_runs", "poll_recipients", "poll_answers"}


def dump(core) -> dict[str, list[str]]:
    """Every row of every table, each as one JSON text."""
    tables = {}
    with core.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(table.select()).mappings().all()
            tables[table.name] = [json.dumps(dict(row), ensure_ascii=False, default=str) for row in rows]
    return tables


def assert_unlinked(core) -> dict[str, list[str]]:
    tables = dump(core)
    for name, rows in tables.items():
        for row in rows:
            users = [user for user in RESPONDENTS if user in row]
            answers = [text for text in COMMENTS.values() if text in row]
            assert not (users and answers), f"{name}: {users} next to {answers}"
            if name in POLL_TABLES:
                assert not users, f"{name} holds user ids {users}"
    return tables


@pytest.fixture
def polls(kiun, settings):
    kiun.core.directory = SlackDirectory(make_client(settings))
    return kiun


def test_no_table_links_a_respondent_to_an_answer(polls, sender, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    run = start(polls, sender, "dx-momentum", PEOPLE)
    deliver(polls)
    for number, user in enumerate(RESPONDENTS):
        press(polls, sender, user, "Q1 4 ややそう思う" if number % 2 else "Q1 2 あまりそう思わない")
        press(polls, sender, user, "Q5 総務部")
        assert comment(sender, run, user, COMMENTS[user]).status == 200
    poll_remind(polls.core, at(run.remind_on, 10, polls.core), {})
    deliver(polls)

    open_tables = assert_unlinked(polls.core)
    secret = secret_key(polls.core)
    tokens = {respondent_token(secret, run.id, user) for user in RESPONDENTS}
    assert any(token in row for row in open_tables["poll_answers"] for token in tokens)  # while open: per-run HMAC
    other_run = {respondent_token(secret, run.id + 1, user) for user in RESPONDENTS}
    assert not tokens & other_run  # a different run would not link

    poll_close(polls.core, at(run.closes_on, 17, polls.core), {})
    deliver(polls)
    tables = assert_unlinked(polls.core)
    everything = "\n".join(row for rows in tables.values() for row in rows)
    assert not any(token in everything for token in tokens)  # even with the secret key nothing links now
    assert tables["poll_recipients"] == []
    assert not [row for row in tables["outbox"] if "poll-remind:" in row]  # who was reminded is forgotten
    answers = [json.loads(row) for row in tables["poll_answers"]]
    assert {len(answer["answered_on"]) for answer in answers} == {10}  # YYYY-MM-DD: a day, no time
    assert {answer["user_id"] for answer in answers} == {None}
    assert len({answer["respondent"] for answer in answers}) == len(RESPONDENTS)  # per-person grouping kept
    assert get_run(polls.core, run.id).recipients == len(PEOPLE)

    logged = caplog.text
    assert not [text for text in COMMENTS.values() if text in logged]
    assert "poll run" in logged  # the log does record what happened, without answers


class CrashAfterCall:
    """A transport that posts for real, then "dies" (the process is killed) before the outbox records it."""

    capabilities = SlackTransport.capabilities

    def __init__(self, transport: SlackTransport, survive: int) -> None:
        self.transport, self.left = transport, survive

    def send(self, to, reply, *, key):
        ref = self.transport.send(to, reply, key=key)
        self.left -= 1
        if self.left < 0:
            raise SystemExit("killed")
        return ref

    def update(self, to, ref, reply):
        return self.transport.update(to, ref, reply)

    def was_delivered(self, to, key, since):
        return self.transport.was_delivered(to, key, since)


@freeze_time("2026-12-07T01:00:00Z", tick=True)  # Monday 10:00 in Tokyo, when the reminder job runs; the clock ticks
def test_interrupted_broadcast_resumes_without_sending_anyone_twice(core, slack_api, settings) -> None:
    people = [f"U{n:04d}" for n in range(1, 31)]
    slack_api.members = people
    core.directory = SlackDirectory(make_client(settings))
    run = start_run(core, get_template("quick-pulse"), date(2026, 12, 7))
    # killed while listing members: the run stays "opening"; the next poll job sends it, a repeat changes nothing
    poll_remind(core, at(date(2026, 12, 7), 10, core), {})
    assert broadcast(core, run.id) == len(people)
    with core.sessions() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == len(people)

    transport = SlackTransport(make_client(settings))
    with pytest.raises(SystemExit):
        Sender(core, CrashAfterCall(transport, survive=10), rate_per_second=10_000).drain()
    restarted = Sender(core, transport, rate_per_second=10_000, lease=timedelta(0))
    assert restarted.reconcile() == 1  # the 11th went out before the crash: found in the channel, not resent
    restarted.drain()

    per_person = {user: len(slack_api.messages.get(f"D{user}", [])) for user in people}
    assert per_person == {user: 1 for user in people}
    with core.sessions() as session:
        assert {row.state for row in session.scalars(select(OutboxMessage))} == {"sent"}
