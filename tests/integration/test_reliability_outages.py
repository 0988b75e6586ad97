"""Outages: Slack's Web API answering 5xx for minutes or hours (nothing lost, delivered afterwards), the LLM
timing out (each asker is answered at once and then politely), and the database unreachable when ``kiun serve``
starts (it waits, ``/healthz`` says 503, then 200 without a restart)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.app.core import Core
from bot.app.metrics import llm_outcomes
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.cli.connect import wait_for_core
from bot.common.paths import content_dir
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.delivery.outbox import Sender, enqueue
from bot.features.qa.ingest import add_paths
from bot.models import OutboxMessage
from bot.platforms.slack import client as slack_client
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport
from tests.addresses import as_channel, as_user
from tests.conftest import SIGNING_SECRET, make_settings
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.signing import SlackSender
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import serve_http
from tests.integration.slack_harness import start_kiun, wait_until


# -- Slack down --------------------------------------------------------------------------------------------------
def states(core: Core) -> dict[str, int]:
    with core.sessions() as session:
        return dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


@pytest.mark.parametrize(
    ("outage", "recipients", "tick"),
    [(timedelta(minutes=2), 20, 5), (timedelta(hours=3, minutes=30), 3, 120)],
    ids=["2-minutes", "3.5-hours"],
)
def test_slack_answering_5xx_loses_nothing_and_delivers_afterwards(
    core: Core, slack_api: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch, outage: timedelta, recipients: int, tick: int
) -> None:
    # The WebClient's own in-call retries (a second or so) would sleep for real; the outage is far longer anyway.
    monkeypatch.setattr(slack_client, "_BACKOFF", FixedValueRetryIntervalCalculator(0))
    users = [f"U{n:04d}" for n in range(recipients)]
    with freeze_time("2026-06-01T00:00:00Z") as clock:
        with transaction(core.sessions) as session:
            for user in users:
                enqueue(session, f"outage:{user}", as_user(user, "slack"), Reply(text="お知らせです"))
            enqueue(session, "outage:channel", as_channel("C_NEWS", "slack"), Reply(text="全体へのお知らせです"))
        slack_api.fail("*", status=503, times=10_000)  # every Web API method answers 503
        sender = Sender(core, SlackTransport(make_client(core.settings)), rate_per_second=1000)
        started = utcnow()
        while utcnow() - started < outage:
            assert sender.drain() == 0
            clock.tick(tick)
        assert states(core) == {"pending": recipients + 1}
        with core.sessions() as session:
            assert min(session.scalars(select(OutboxMessage.attempts))) >= 3
        slack_api.reset()  # Slack is back
        for _ in range(200):
            sender.drain()
            if states(core) == {"sent": recipients + 1}:
                break
            clock.tick(tick)
    assert states(core) == {"sent": recipients + 1}
    for user in users:
        assert len(slack_api.messages[f"D{user}"]) == 1, user
    assert len(slack_api.messages["C_NEWS"]) == 1


# -- LLM down ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def openai_api() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_llm_timing_out_each_asker_gets_an_ack_then_a_polite_answer(
    core: Core, slack_api: FakeSlackAPI, openai_api: FakeOpenAI
) -> None:
    openai_api.reset()
    add_paths(core, [content_dir() / "docs"])
    settings = make_settings(
        core.settings.database_url,
        slack_api.api_url,
        OPENAI_BASE_URL=openai_api.base_url,
        OPENAI_API_KEY="sk-test",
        KIUN_LLM_TIMEOUT="0.5",
    )
    running = start_kiun(Core(settings, core.engine, core.sessions), slack_api)
    openai_api.hang(5.0, times=100)  # the endpoint never answers in time
    askers = [f"U_ASK{n}" for n in range(6)]
    errors_before = llm_outcomes()["error"]
    acks: dict[str, dict] = {}
    sender = running.sender()

    def ask(user: str) -> None:
        acks[user] = sender.command("/ask", "生成AIに入力してはいけない情報は何ですか", user_id=user).json()

    try:
        threads = [threading.Thread(target=ask, args=(user,)) for user in askers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {user: ack["text"] for user, ack in acks.items()} == {user: t("ask.thinking") for user in askers}
        wait_until(lambda: len(running.responses()) >= len(askers), timeout=30)
        scrape = running.get("/metrics").body
    finally:
        running.stop(grace=10)
    errors = llm_outcomes()["error"]
    assert errors - errors_before == len(askers)  # for the alert on LLM errors
    assert f'kiun_llm_requests_total{{outcome="error"}} {errors}.0' in scrape
    answers = running.responses()
    assert len(answers) == len(askers)
    for answer in answers:
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith("ただいまAIが応答しないため"), answer["text"]
    assert len(openai_api.requests_to("/v1/chat/completions")) >= len(askers)


def test_a_slow_llm_never_holds_up_the_acks(core: Core, slack_api: FakeSlackAPI) -> None:
    """Two listener threads, six questions whose LLM answer takes seconds: every ack still comes at once (Slack
    gives up after 3 s), because the answers wait on their own pool."""
    openai_api = FakeOpenAI().start()  # its own: requests left hanging by another test would take its answers
    add_paths(core, [content_dir() / "docs"])
    settings = make_settings(
        core.settings.database_url,
        slack_api.api_url,
        OPENAI_BASE_URL=openai_api.base_url,
        OPENAI_API_KEY="sk-test",
        KIUN_WORKERS="2",
    )
    running = start_kiun(Core(settings, core.engine, core.sessions), slack_api)
    askers = [f"U_ASK{n}" for n in range(6)]
    openai_api.script(*["会議資料は前日正午までに共有フォルダへ掲載します[1]。"] * len(askers))
    openai_api.hang(3.5, times=len(askers))
    sender = running.sender()
    acks: dict[str, dict] = {}

    def ask(user: str) -> None:
        acks[user] = sender.command("/ask", "会議資料はいつまでに共有フォルダへ掲載しますか", user_id=user).json() or {}

    try:
        threads = [threading.Thread(target=ask, args=(user,)) for user in askers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        help_ack = sender.command("/kiun", "help").json()
        wait_until(lambda: len(running.responses()) >= len(askers), timeout=30)
    finally:
        running.stop(grace=10)
        openai_api.stop()
    assert {user: ack.get("text") for user, ack in acks.items()} == {user: t("ask.thinking") for user in askers}
    assert help_ack["response_type"] == "ephemeral"
    assert all("前日正午" in answer["text"] for answer in running.responses())


# -- database down at start --------------------------------------------------------------------------------------
@pytest.fixture
def late_database(core: Core, tmp_path: Path) -> Iterator[tuple[str, callable]]:
    """A DATABASE_URL that does not work yet, and the function that makes it work (creates the database)."""
    if core.engine.dialect.name != "postgresql":
        folder = tmp_path / "not-yet"
        yield f"sqlite:///{folder / 'kiun.db'}", lambda: folder.mkdir()
        return
    url = make_url(core.settings.database_url)
    name = f"{url.database}_late_{os.getpid()}"
    admin = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        yield url.set(database=name).render_as_string(hide_password=False), lambda: _create(admin, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _create(admin, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))


@pytest.mark.slow
def test_serve_waits_for_the_database_then_becomes_healthy_without_restart(
    late_database: tuple[str, callable], slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    url, create = late_database
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_WORKERS": "2",
    }
    kiun = serve_http(env, tmp_path / "serve.log")
    try:
        assert json.loads(kiun.wait_status("/healthz", 503)) == {"status": "starting"}
        wait_until(lambda: any("cannot use the database" in r["message"] for r in kiun.records()), timeout=15)
        assert kiun.wait_status("/metrics", 503)  # not ready: nothing else is served yet
        create()
        assert json.loads(kiun.wait_status("/healthz", 200, timeout=30)) == {"status": "ok"}
        sender = SlackSender(f"{kiun.url}/slack/events", SIGNING_SECRET, slack_api.base_url)
        response = sender.command("/kiun", "help")
        assert response.status == 200 and response.json()["response_type"] == "ephemeral"
        assert kiun.stop() == 0
    finally:
        kiun.kill()
    waits = [r for r in kiun.records() if "cannot use the database" in r["message"]]
    assert waits and all(r["level"] == "ERROR" and "trying again in" in r["message"] for r in waits)
    assert all("\n" not in r["message"] for r in waits)
    assert "Traceback" not in kiun.log()


def test_waiting_for_the_database_logs_why_and_ends_when_stopped(tmp_path: Path, caplog) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'missing' / 'kiun.db'}")
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()  # SIGTERM while waiting
    assert wait_for_core(settings, stop) is None
    (error,) = [r for r in caplog.records if "cannot use the database" in r.getMessage()]
    assert error.levelno == logging.ERROR and "unable to open database file" in error.getMessage()
