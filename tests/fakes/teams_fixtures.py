"""pytest fixtures for the Teams stand-ins: one server each per test run, its state reset for every test.

``teams_auth`` (session: it keeps nothing but a fetch log) signs inbound activities; ``teams_login`` and
``teams_connector`` are reset before each test, on the servers of ``teams_login_server`` and
``teams_connector_server`` (session, for session-scoped apps). ``teams_login`` also sets ``REQUESTS_CA_BUNDLE`` to
its CA for the test, so msal trusts it. The connector accepts the login stand-in's tokens for the Bot Framework
(scope ``https://api.botframework.com/.default``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.teams_auth import FakeBotAuth
from tests.fakes.teams_connector import FakeConnector
from tests.fakes.teams_login import FakeLogin

BOT_FRAMEWORK = "https://api.botframework.com"  # the audience of tokens for the Bot Connector


@pytest.fixture(scope="session")
def teams_auth() -> Iterator[FakeBotAuth]:
    server = FakeBotAuth().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def teams_login_server() -> Iterator[FakeLogin]:
    server = FakeLogin().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def teams_connector_server(teams_login_server: FakeLogin) -> Iterator[FakeConnector]:
    server = FakeConnector(accept=lambda token: teams_login_server.valid(token, BOT_FRAMEWORK)).start()
    yield server
    server.stop()


@pytest.fixture
def teams_login(teams_login_server: FakeLogin, monkeypatch: pytest.MonkeyPatch) -> FakeLogin:
    teams_login_server.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", teams_login_server.ca_bundle)
    return teams_login_server


@pytest.fixture
def teams_connector(teams_connector_server: FakeConnector) -> FakeConnector:
    teams_connector_server.reset()
    return teams_connector_server
