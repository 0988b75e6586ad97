"""Slack's Socket Mode WebSocket on 127.0.0.1, behind the stand-in's ``apps.connections.open`` (see slack_api.py).

Each connection is greeted with Slack's ``hello``; a test then sends envelopes (:meth:`FakeSocketMode.send`), Slack's
``disconnect`` message, drops the socket without a word, or refuses new connections for a while. Every ack is kept
with its arrival time (``time.monotonic()``), as is every connection attempt.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

APP_ID = "A1"


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    at: float  # time.monotonic() when it arrived


class FakeSocketMode:
    """Start with :meth:`start`; :meth:`url` issues a ticket URL, as Slack's ``apps.connections.open`` does."""

    def __init__(self) -> None:
        self.attempts: list[float] = []  # time.monotonic() of each handshake, accepted or refused
        self.connections: list[ServerConnection] = []  # accepted, oldest first
        self.opened_at: list[float] = []  # time.monotonic() when each was accepted
        self.sent: dict[str, float] = {}  # envelope_id → time.monotonic() when sent
        self.acks: list[Ack] = []
        self.refused_until = 0.0
        self._tickets: set[str] = set()
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._admit, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def url(self) -> str:
        """A new WebSocket URL, like the one ``apps.connections.open`` answers."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={ticket}&app_id={APP_ID}"

    # -- test controls --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget what was recorded and accept connections again (live connections stay open)."""
        with self._lock:
            self.attempts.clear()
            self.sent.clear()
            self.acks.clear()
            self.refused_until = 0.0

    def live(self) -> list[ServerConnection]:
        with self._lock:
            return [ws for ws in self.connections if ws.protocol.state.name == "OPEN"]

    def wait_live(self, timeout: float = 10.0, after: int = 0) -> ServerConnection:
        """The newest open connection once one beyond the first ``after`` accepted ones is open."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                newer = self.connections[after:]
            if newer and newer[-1].protocol.state.name == "OPEN":
                return newer[-1]
            time.sleep(0.01)
        raise AssertionError(f"no Socket Mode connection after #{after} within {timeout} s")

    def send(self, kind: str, payload: dict[str, Any], envelope_id: str | None = None, **extra: Any) -> str:
        """Send an envelope (``slash_commands``, ``interactive`` or ``events_api``) on the newest connection."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            self.sent[envelope_id] = time.monotonic()
        self._newest().send(json.dumps(envelope | extra, ensure_ascii=False))
        return envelope_id

    def disconnect(self, reason: str, close: bool = False) -> None:
        """Slack's ``disconnect`` message (``warning``, ``refresh_requested``, ``link_disabled``) on the newest
        connection, then with ``close`` a WebSocket close, as Slack does after ``link_disabled``."""
        ws = self._newest()
        ws.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-t"}}))
        if close:
            ws.close()

    def drop(self) -> None:
        """End the newest connection's TCP stream without a WebSocket close frame."""
        self._newest().socket.shutdown(socket.SHUT_RDWR)

    def refuse(self, seconds: float) -> None:
        """Answer every WebSocket handshake with 503 for ``seconds``."""
        with self._lock:
            self.refused_until = time.monotonic() + seconds

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [ack for ack in self.acks if ack.envelope_id == envelope_id]
            if found:
                return found[0]
            time.sleep(0.005)
        raise AssertionError(f"envelope {envelope_id} not acked within {timeout} s")

    def acks_of(self, envelope_id: str) -> list[Ack]:
        with self._lock:
            return [ack for ack in self.acks if ack.envelope_id == envelope_id]

    # -- serving --------------------------------------------------------------------------------------
    def _newest(self) -> ServerConnection:
        live = self.live()
        if not live:
            raise AssertionError("no open Socket Mode connection")
        return live[-1]

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlparse(request.path).query).get("ticket", [""])[0]
        with self._lock:
            self.attempts.append(time.monotonic())
            refused = time.monotonic() < self.refused_until
            known = ticket in self._tickets
        if refused:
            return connection.respond(503, "Service Unavailable\n")
        if not known:
            return connection.respond(401, "unknown ticket\n")
        return None

    def _handle(self, ws: ServerConnection) -> None:
        with self._lock:
            self.connections.append(ws)
            self.opened_at.append(time.monotonic())
        hello = {
            "type": "hello",
            "num_connections": len(self.live()),
            "debug_info": {"host": "applink-t", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }
        ws.send(json.dumps(hello))
        try:
            for raw in ws:
                frame = json.loads(raw)
                with self._lock:
                    self.acks.append(Ack(frame.get("envelope_id", ""), frame.get("payload"), time.monotonic()))
        except (ConnectionClosed, OSError):
            pass
