"""Shared fixtures: a real database (SQLite, or PostgreSQL via KIUN_TEST_DATABASE_URL), a Core, and the
local stand-ins for Slack's Web API and an OpenAI-compatible API."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.app.config import Settings, load_settings
from bot.app.core import Core
from bot.content import tree
from bot.db.migrate import upgrade
from bot.db.session import make_engine
from bot.models import Base
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.teams_fixtures import (  # noqa: F401 - fixtures for tests under tests/
    teams_auth,
    teams_connector,
    teams_connector_server,
    teams_login,
    teams_login_server,
)

SIGNING_SECRET = "test-signing-secret"
ADMIN = "U_ADMIN"


def pytest_report_header(config: pytest.Config) -> str:
    """Say which clock the run has: the suite must pass on any date (``KIUN_TEST_CLOCK`` moves it)."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).isoformat(timespec="seconds")
    moved = os.environ.get("KIUN_TEST_CLOCK")
    return f"clock: {now}" + (f" (moved to {moved!r} by scripts/test.sh)" if moved else " (real)")


def pytest_configure(config: pytest.Config) -> None:
    """A moved-clock run whose clock did not move would prove nothing: stop it."""
    target = os.environ.get("KIUN_TEST_CLOCK_EPOCH")
    if target and abs(time.time() - int(target)) > 3600:
        raise pytest.UsageError(f"KIUN_TEST_CLOCK is set but the clock is not near it ({time.ctime()})")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the whole run; PostgreSQL when KIUN_TEST_DATABASE_URL says so."""
    url = os.environ.get("KIUN_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'kiun.db'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    yield url


def _truncate(core: Core) -> None:
    """Empty every table and restart the id sequences. DELETE rather than TRUNCATE on PostgreSQL: on tables this
    small it is several times faster (TRUNCATE makes new files), which is most of a PostgreSQL run's time."""
    tree.forget()
    with core.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if core.engine.dialect.name == "postgresql":
            connection.execute(
                text(
                    "SELECT setval(s.seqrelid::regclass, s.seqstart, false) FROM pg_sequence s"
                    " JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'public'::regnamespace"
                )
            )


@pytest.fixture(scope="session")
def slack_api() -> Iterator[FakeSlackAPI]:
    server = FakeSlackAPI().start()
    yield server
    server.stop()


def make_settings(database_url: str, api_url: str = "http://127.0.0.1:9/api/", **overrides: object) -> Settings:
    values: dict[str, object] = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "KIUN_ADMINS": ADMIN,
        "KIUN_SECRET_KEY": "test-secret-key-0123456789",
        "KIUN_LESSON_CHANNEL": "C_LESSONS",
        "KIUN_IDEAS_CHANNEL": "C_IDEAS",
        "KIUN_POLL_CHANNEL": "C_POLLS",
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


@pytest.fixture
def settings(database_url: str, slack_api: FakeSlackAPI) -> Settings:
    return make_settings(database_url, slack_api.api_url)


@pytest.fixture
def core(settings: Settings, slack_api: FakeSlackAPI) -> Iterator[Core]:
    """A Core on a clean database; the fake Slack API is reset too."""
    slack_api.reset()
    instance = Core.create(settings)
    _truncate(instance)
    yield instance
    _truncate(instance)
    instance.close()


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(os.environ.get("KIUN_TEST_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
