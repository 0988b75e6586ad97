"""Revision 0006 (addresses) converts the rows of an existing database and keeps their data, both ways."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from bot.chat.address import Channel, Thread, User
from bot.db.migrate import alembic_config, upgrade
from bot.db.session import make_engine, make_sessionmaker, normalise_url
from bot.models import Idea, OutboxMessage, QaQuestion

BEFORE = "0005"
NOW = datetime(2026, 12, 1, 0, 0)
TEAMS_SIZED = "19:" + "a" * 480 + "@thread.tacv2"  # a long, structured id of another platform


@pytest.fixture
def old_database(tmp_path) -> Iterator[str]:
    """An empty database of its own (SQLite, or a fresh one on the PostgreSQL server of KIUN_TEST_DATABASE_URL)."""
    shared = os.environ.get("KIUN_TEST_DATABASE_URL")
    if not shared:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"kiun_migration_{uuid.uuid4().hex[:8]}"
    server = make_engine(shared).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(shared)).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        server.dispose()


def old_rows(url: str) -> None:
    """Rows as revision 0005 stored them: outbox channels as bare Slack ids, a thread in the payload."""
    engine = make_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine)
    outbox, ideas, questions = tables.tables["outbox"], tables.tables["ideas"], tables.tables["qa_questions"]
    common = {"state": "pending", "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}
    with engine.begin() as connection:
        for key, channel, payload in [
            ("dm:user", "U_STAFF", {"text": "こんにちは"}),
            ("dm:grid", "W_GRID", {"text": "グリッドの方へ"}),
            ("post", "C_LESSONS", {"text": "今週のレッスン", "ephemeral": False}),
            ("reply", "C_GENERAL", {"text": "スレッドへの回答", "thread_ts": "1700000001.000100"}),
            ("dm:channel", "D_OPEN", {"text": "開いたDM", "thread_ts": None}),
        ]:
            connection.execute(outbox.insert().values(key=key, channel=channel, payload=payload, **common))
        connection.execute(
            ideas.insert().values(
                id=1,
                proposer_id="U_STAFF",
                anonymous=False,
                title="紙を減らす",
                problem="p",
                proposal="p",
                effect="e",
                category="other",
                status="received",
                effect_note="",
                search_text="",
                dedupe_key="d1",
                post_ts="1700000000.000001",
                revision=0,
                created_at=NOW,
                updated_at=NOW,
                status_changed_at=NOW,
            )
        )
        connection.execute(
            questions.insert().values(
                id=1,
                user_id="U_STAFF",
                platform="slack",
                channel_id="C_GENERAL",
                thread_ts="1700000001.000100",
                question="テレワークは？",
                mode="extractive",
                answered=True,
                confidence=0.5,
                citations=[],
                created_at=NOW,
            )
        )
    engine.dispose()


def test_old_rows_become_addresses_and_neutral_refs_and_back(old_database: str) -> None:
    upgrade(old_database, BEFORE)
    old_rows(old_database)
    upgrade(old_database)

    engine = make_engine(old_database)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        outbox = {row.key: row for row in session.scalars(sa.select(OutboxMessage))}
        idea, question = session.get(Idea, 1), session.get(QaQuestion, 1)
        assert {key: row.address for key, row in outbox.items()} == {
            "dm:user": User(platform="slack", id="U_STAFF"),
            "dm:grid": User(platform="slack", id="W_GRID"),
            "post": Channel(platform="slack", id="C_LESSONS"),
            "reply": Thread(channel=Channel(platform="slack", id="C_GENERAL"), id="1700000001.000100"),
            "dm:channel": Channel(platform="slack", id="D_OPEN"),
        }
        assert outbox["reply"].payload == {"text": "スレッドへの回答"}  # the thread moved into the address
        assert outbox["post"].payload == {"text": "今週のレッスン", "ephemeral": False}
        assert all(row.state == "pending" for row in outbox.values())
        assert (idea.post_ref, question.channel_id, question.thread_ref) == (
            "1700000000.000001",
            "C_GENERAL",
            "1700000001.000100",
        )
        # Another platform's long ids fit now (PostgreSQL enforces the lengths).
        idea.post_ref = question.thread_ref = question.channel_id = TEAMS_SIZED
        outbox["post"].message_ref = TEAMS_SIZED
        session.flush()
        session.rollback()
    engine.dispose()

    command.downgrade(alembic_config(old_database), BEFORE)
    engine = make_engine(old_database)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT key, channel, payload FROM outbox ORDER BY key")).all()
        post_ts = connection.execute(sa.text("SELECT post_ts FROM ideas")).scalar()
    engine.dispose()
    channels = {
        key: (channel, payload if isinstance(payload, dict) else json.loads(payload)) for key, channel, payload in rows
    }
    assert channels == {
        "dm:channel": ("D_OPEN", {"text": "開いたDM"}),
        "dm:grid": ("W_GRID", {"text": "グリッドの方へ"}),
        "dm:user": ("U_STAFF", {"text": "こんにちは"}),
        "post": ("C_LESSONS", {"text": "今週のレッスン", "ephemeral": False}),
        "reply": ("C_GENERAL", {"text": "スレッドへの回答", "thread_ts": "1700000001.000100"}),
    }
    assert post_ts == "1700000000.000001"
