"""``kiun serve --teams``: uvicorn serving ``POST /api/messages`` (the SDK app), ``GET /healthz`` and ``GET /metrics``,
with the scheduler, the deferred runner and the outbox sender delivering to Teams (unless ``--no-worker``).

Start-up waits for the database (``bot.cli.connect.wait_for_core``) before it listens. Shutdown on SIGTERM/SIGINT:
uvicorn stops accepting and finishes the requests in flight, then the work they started and the workers finish;
what is not yet sent stays in the outbox; the exit code is 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from fastapi import FastAPI

from bot.app.config import ConfigError, Settings
from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.chat.router import Router
from bot.delivery.home_card import install_home_refresh
from bot.platforms.teams.app import SLOW_THREADS_PER_WORKER, GuardedAdapter, build_app
from bot.platforms.teams.connector import Connector
from bot.platforms.teams.directory import TeamsDirectory
from bot.platforms.teams.transport import CAPABILITIES, PLATFORM, SEND_RATE, TeamsTransport
from bot.scheduling.metrics import DatabaseCollector
from bot.scheduling.workers import Workers

log = logging.getLogger(__name__)

UNAUTHENTICATED = "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS"


def check_teams_settings(settings: Settings) -> None:
    """The settings ``kiun serve --teams`` and ``kiun worker --teams`` need; a ConfigError naming what is wrong."""
    settings.require_teams()
    if os.environ.get(UNAUTHENTICATED, "").strip().lower() not in ("", "0", "false", "no", "off"):
        raise ConfigError(f"{UNAUTHENTICATED} is on: kiun serve --teams never accepts activities without a JWT")


def wire(core: Core, connector: Connector) -> TeamsTransport:
    """Make ``core`` a Teams installation: its platform, directory (rosters) and transport."""
    core.platform = PLATFORM
    core.directory = TeamsDirectory(core, connector)
    return TeamsTransport(core, connector, core.settings.kiun_locale)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: kiun stops it (and its workers) and exits 0, where uvicorn would
    raise the signal again after shutting down."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class TeamsServer:
    """kiun for Teams on ``host:port`` (0: a free port), in a thread of its own (:meth:`start`, :meth:`stop`)
    or in the caller's (:meth:`run`)."""

    def __init__(self, core: Core, router: Router, host: str = "127.0.0.1", port: int = 3978, *, worker: bool = True):
        self.core = core
        self.connector = Connector(core.settings)
        self.transport = wire(core, self.connector)
        self.metrics = Metrics(DatabaseCollector(core))
        workers = core.settings.kiun_workers
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="kiun-teams")
        self.slow = ThreadPoolExecutor(SLOW_THREADS_PER_WORKER * workers, thread_name_prefix="kiun-slow")
        self.server: uvicorn.Server | None = None

        def server_factory(app: FastAPI) -> uvicorn.Server:
            config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
            self.server = _Server(config)
            return self.server

        self.adapter = GuardedAdapter(core, self.metrics, server_factory=server_factory)
        self.workers = Workers(core, self.transport, PLATFORM, SEND_RATE) if worker else None
        notify = self.workers.notify if self.workers is not None else None
        self.app = build_app(
            core,
            router,
            self.metrics,
            self.transport,
            self.adapter,
            executor=self.executor,
            slow=self.slow,
            notify=notify,
        )
        install_home_refresh(core, router, PLATFORM, CAPABILITIES)
        self.port = port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.server is not None and self.server.servers, "not started"
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _serve(self) -> None:
        await self.app.initialize()  # JWT validation and the messaging route
        await self.adapter.start(self.port)

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT, then finish the requests and work in flight."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self._exit())
        if self.workers is not None:
            self.workers.start()
        try:
            asyncio.run(self._serve())
        finally:
            self._finish()

    def start(self) -> TeamsServer:
        """Serve in a background thread; returns once the port is open."""
        if self.workers is not None:
            self.workers.start()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), name="kiun-teams", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not (self.server is not None and self.server.started) and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.server is None or not self.server.started:
            raise RuntimeError("the Teams server did not start")
        return self

    def _exit(self) -> None:
        if self.server is not None:
            self.server.should_exit = True

    def stop(self) -> None:
        self._exit()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._finish()

    def _finish(self) -> None:
        self.executor.shutdown(wait=True)
        self.slow.shutdown(wait=True)
        if self.workers is not None:
            self.workers.stop()
        self.connector.close()


def serve_teams(core: Core, router: Router, host: str, port: int, worker: bool) -> int:
    """Run kiun for Teams until SIGTERM/SIGINT; returns the exit code."""
    server = TeamsServer(core, router, host, port, worker=worker)
    log.info("kiun: serving Teams on http://%s:%d/api/messages", host, port)
    server.run()
    return 0
