"""``kiun serve``: Socket Mode, or HTTP (``POST /slack/events``, ``GET /healthz``, ``GET /metrics``) on waitress.

In Socket Mode, ``--health-port`` serves ``GET /healthz`` (503 while the link to Slack is down) and ``GET /metrics``
the same way. Start-up waits for the database (see ``bot.cli.connect.wait_for_core``); the port is open meanwhile and
answers 503 (``/healthz``: ``{"status": "starting"}``), so an orchestrator sees kiun as not ready rather than crashed,
and kiun becomes ready without a restart once the database answers.

Shutdown on SIGTERM/SIGINT is graceful: stop accepting, let requests in flight and their post-ack work finish
(bounded by :data:`GRACE_SECONDS`), then stop the workers (see bot.app.runtime); work deferred to the queue and
not yet run stays there and is run after the restart.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

from bot.app.config import Settings
from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.chat.router import Router
from bot.db.session import ping
from bot.platforms.slack.app import build_app, listener_executor, slow_executor
from bot.platforms.slack.client import make_client
from bot.platforms.slack.home import install_home_refresh
from bot.platforms.slack.socket import SocketModeLink
from bot.platforms.slack.transport import PLATFORM, SlackTransport
from bot.scheduling.metrics import DatabaseCollector
from bot.scheduling.workers import Workers

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
GRACE_SECONDS = 20.0
MAX_BODY_BYTES = 2 * 1024 * 1024


class GuardedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, answering 400 (not a 500 with a traceback) when the body cannot be parsed."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        except (ValueError, TypeError, AttributeError):  # bad JSON, bad UTF-8, JSON that is not an object
            return BoltResponse(status=400, body="Bad Request: the body is not valid JSON or form data")
        return self.app.dispatch(bolt_request)


class KiunWSGI:
    """The whole HTTP surface as one WSGI application. Without ``bolt`` (Socket Mode) only ``/healthz`` and
    ``/metrics``; ``link`` then tells whether the Socket Mode link is up, which ``/healthz`` reports too."""

    def __init__(
        self,
        core: Core,
        bolt: App | None,
        metrics: Metrics,
        executors: tuple[Executor, ...] = (),
        link: Callable[[], bool] | None = None,
    ) -> None:
        self.core, self.metrics, self.executors, self.link = core, metrics, executors, link
        self.slack = GuardedRequestHandler(bolt, path=EVENTS_PATH) if bolt is not None else None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path == EVENTS_PATH and method == "POST" and self.slack is not None:
            route = "events"
            captured: dict[str, str] = {}

            def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
                captured["status"] = status.split(" ", 1)[0]
                return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

            body = self.slack(environ, capture)
            self.metrics.http_requests.labels(route, captured.get("status", "500")).inc()
            return body
        if path == "/healthz" and method == "GET":
            status, payload = self._health()
            return self._send(start_response, "healthz", status, json.dumps(payload).encode(), "application/json")
        if path == "/metrics" and method == "GET":
            data, content_type = self.metrics.render()
            return self._send(start_response, "metrics", "200 OK", data, content_type)
        return self._send(start_response, "other", "404 Not Found", b"Not Found", "text/plain; charset=utf-8")

    def _health(self) -> tuple[str, dict[str, str]]:
        """200 when the database answers (and the Socket Mode link is up), else 503."""
        healthy = ping(self.core.engine)
        payload = {}
        if self.link is not None:
            connected = self.link()
            healthy = healthy and connected
            payload["slack"] = "connected" if connected else "disconnected"
        if healthy:
            return "200 OK", {"status": "ok"} | payload
        return "503 Service Unavailable", {"status": "unavailable"} | payload

    def _send(self, start_response: Callable, route: str, status: str, data: bytes, content_type: str) -> list[bytes]:
        self.metrics.http_requests.labels(route, status.split(" ", 1)[0]).inc()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]


def starting_app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    """The WSGI app while kiun waits for its database: 503 everywhere (Slack retries its events)."""
    data = json.dumps({"status": "starting"}).encode()
    start_response(
        "503 Service Unavailable", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_wsgi_app(core: Core, router: Router) -> KiunWSGI:
    """The WSGI application for ``core`` (Bolt app, health check and metrics)."""
    metrics = Metrics(DatabaseCollector(core))
    executor, slow = listener_executor(core), slow_executor(core)
    bolt = build_app(core, router, metrics, executor=executor, slow=slow)
    install_home_refresh(core, router, bolt.client, executor)
    return KiunWSGI(core, bolt, metrics, (executor, slow))


class HttpServer:
    """A waitress server running ``app`` in a background thread; port 0 picks a free port (tests, benchmarks).

    ``app`` may be replaced while serving (:meth:`swap`): kiun listens before its database is ready."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.app = app
        self.server: BaseWSGIServer = create_server(
            lambda environ, start_response: self.app(environ, start_response),
            host=host,
            port=port,
            threads=threads,
            ident="kiun",
            max_request_body_size=MAX_BODY_BYTES,
        )
        self.thread = threading.Thread(target=self.server.run, name="kiun-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def start(self) -> HttpServer:
        self.thread.start()
        return self

    def swap(self, app: Callable) -> None:
        """Serve ``app`` from now on (requests in flight finish with the old one)."""
        self.app = app

    def stop(self, grace: float = GRACE_SECONDS) -> None:
        """Stop accepting, wait for requests in flight (and Bolt's post-ack work), then close. Idempotent."""
        if not self.server.accepting:
            return
        self.server.accepting = False
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        for executor in getattr(self.app, "executors", ()):  # Bolt's listeners, then the slow work they started
            executor.shutdown(wait=True)
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
        # close every socket inside the server's own loop, which then ends
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map, ignore_all=True))
        self.thread.join(timeout=5)

    def _busy(self) -> bool:
        dispatcher = self.server.task_dispatcher
        if dispatcher.queue:
            return True
        return any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(self.server._map.values())
            if channel is not self.server
        )


def serve(
    settings: Settings,
    connect: Callable[[threading.Event], Core | None],
    router: Router,
    http: bool,
    host: str = "0.0.0.0",
    port: int = 3000,
    worker: bool = True,
    health_port: int | None = None,
) -> int:
    """Run kiun for Slack with ``router``'s handlers until SIGTERM/SIGINT; returns the exit code.

    ``connect(stop)`` gives the Core once the database answers (None if stopped meanwhile); the HTTP port (``port``
    with ``http``, else ``health_port`` if given) answers 503 until then."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    listen = port if http else health_port
    server = None if listen is None else HttpServer(starting_app, host, listen, threads=settings.kiun_workers).start()
    try:
        core = connect(stop)
        if core is None:
            return 0
        try:
            _run(core, router, server, stop, worker, http)
        finally:
            core.close()
    finally:
        if server is not None:
            server.stop()
    return 0


def _run(
    core: Core, router: Router, server: HttpServer | None, stop: threading.Event, worker: bool, http: bool
) -> None:
    """Answer Slack (over HTTP on ``server``, or in Socket Mode with ``server`` for health) next to the workers
    until ``stop`` is set."""
    workers = _start_workers(core) if worker else None
    try:
        if http and server is not None:
            server.swap(make_wsgi_app(core, router))
            log.info("kiun: serving Slack over HTTP on %s%s", server.url, EVENTS_PATH)
            stop.wait()
            log.info("kiun: stopping; finishing requests in flight")
            server.stop()
        else:
            executor, slow = listener_executor(core), slow_executor(core)
            metrics = Metrics(DatabaseCollector(core))
            app = build_app(core, router, metrics, executor=executor, slow=slow)
            install_home_refresh(core, router, app.client, executor)
            link = SocketModeLink(app, core, metrics)
            link.connect()
            if server is not None:
                server.swap(KiunWSGI(core, None, metrics, link=link.connected))
                log.info("kiun: serving /healthz and /metrics on %s", server.url)
            log.info("kiun: %s Slack (Socket Mode)", "connected to" if link.connected() else "connecting to")
            stop.wait()
            log.info("kiun: stopping; finishing work in flight")
            link.close()
            executor.shutdown(wait=True)
            slow.shutdown(wait=True)
    finally:
        if workers is not None:
            workers.stop()


def _start_workers(core: Core) -> Workers:
    """The scheduler and outbox sender in this process, delivering to Slack."""
    workers = Workers(core, SlackTransport(make_client(core.settings), lang=core.settings.kiun_locale), PLATFORM)
    workers.start()
    return workers
