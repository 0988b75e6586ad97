"""Fixtures for the Slack tests: the real kiun WSGI app on a real waitress server with its deferred-work runner,
and a signed-request sender.

Import the fixtures into a test module (``from tests.integration.slack_harness import kiun_fixture, sender_fixture``).
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from bot.app.core import Core
from bot.chat.router import Router
from bot.delivery.deferred import Runner
from bot.features import build_router
from bot.platforms.slack.server import HttpServer, KiunWSGI, make_wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.fakes.signing import Response, SlackSender
from tests.fakes.slack_api import FakeSlackAPI


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait for an effect of work Slack's ack does not wait for (lazy listeners, post-ack replies)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@dataclass
class Kiun:
    """A running kiun HTTP server (and the runner of its deferred work, as ``kiun serve``'s workers would run it;
    the outbox is drained by the tests) and what the tests look at."""

    core: Core
    app: KiunWSGI
    server: HttpServer
    slack_api: FakeSlackAPI
    runner: threading.Thread
    stopping: threading.Event

    def stop(self, grace: float = 5.0) -> None:
        self.server.stop(grace=grace)
        self.stopping.set()
        self.runner.join(timeout=10)

    @property
    def url(self) -> str:
        return self.server.url

    def sender(self, secret: str = SIGNING_SECRET) -> SlackSender:
        return SlackSender(f"{self.url}/slack/events", secret, response_url=self.slack_api.base_url)

    def get(self, path: str) -> Response:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
                return Response(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))

    def responses(self) -> list[dict]:
        """What listeners sent to response_url (respond()), oldest first."""
        return self.slack_api.responses()

    def wait_responses(self, count: int = 1) -> list[dict]:
        wait_until(lambda: len(self.responses()) >= count)
        return self.responses()


def start_kiun(core: Core, slack_api: FakeSlackAPI, router: Router | None = None) -> Kiun:
    app = make_wsgi_app(core, router or build_router())
    server = HttpServer(app, threads=core.settings.kiun_workers).start()
    stopping = threading.Event()
    runner = threading.Thread(target=Runner(core, poll_interval=0.05).run, args=(stopping,), daemon=True)
    runner.start()
    return Kiun(core, app, server, slack_api, runner, stopping)


@pytest.fixture(name="kiun")
def kiun_fixture(core: Core, slack_api: FakeSlackAPI) -> Iterator[Kiun]:
    running = start_kiun(core, slack_api)
    yield running
    running.stop()


@pytest.fixture(name="sender")
def sender_fixture(kiun: Kiun) -> SlackSender:
    return kiun.sender()
