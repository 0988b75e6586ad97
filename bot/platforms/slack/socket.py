"""Socket Mode: the Bolt app over slack_sdk's built-in WebSocket client, with kiun keeping the link up.

The SDK's own reconnection is turned off: it retries every ping interval without backoff, logs several lines per
failure, and notices a socket closed under it only after five failed pings (its reader spins on the empty reads
meanwhile). Instead :class:`SocketModeLink` watches the link from one thread and reconnects — at once when Slack
asks (a ``disconnect`` message), otherwise after :func:`backoff` — logging one line per attempt; the SDK's own
link messages are dropped unless kiun logs at DEBUG.

Each envelope is acked once and handled once: one Slack sends again with the same ``envelope_id`` is acked without
running the listeners again (a ``platform_events`` row, as for Events API ``event_id``\\ s; see
:func:`bot.delivery.events.first_delivery`).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientNotConnectedError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.delivery.events import first_delivery
from bot.platforms.slack.client import TIMEOUT_SECONDS, EqualJitter

log = logging.getLogger(__name__)
sdk_log = logging.getLogger("slack_sdk.socket_mode")

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
PING_SECONDS = 5.0  # the SDK pings this often and drops a link that answered no ping for four
CHECK_SECONDS = 0.25  # how often the link is looked at
READ_SECONDS = 0.2  # the socket's read timeout: the SDK waits out a read before closing a replaced connection
REFUSED_TOKEN = {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
_JITTER = EqualJitter()


def backoff(attempt: int) -> float:
    """Seconds before reconnection attempt ``attempt`` (1, 2, …): BACKOFF_FIRST_SECONDS doubling up to
    BACKOFF_MAX_SECONDS, half of it random (so replicas do not reconnect in step)."""
    return _JITTER.recalculate(min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** min(attempt - 1, 30)))


class _LinkChatter(logging.Filter):
    """Keep the SDK's tracebacks (a failing listener), drop its link messages unless the log level is DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is not None or logging.getLogger().isEnabledFor(logging.DEBUG)


_LINK_CHATTER = _LinkChatter()


class _Client(SocketModeClient):
    """The SDK's client, handing Slack's ``disconnect`` messages to kiun instead of reconnecting by itself."""

    def __init__(self, on_disconnect: Callable[[str], None], **kwargs: Any) -> None:
        self.on_disconnect = on_disconnect
        super().__init__(**kwargs)

    def enqueue_message(self, message: str) -> None:
        try:
            data = json.loads(message) if message.startswith("{") else {}
        except ValueError:
            data = {}
        if data.get("type") == "disconnect":
            self.on_disconnect(str(data.get("reason") or "unknown"))
        else:
            super().enqueue_message(message)


class SocketModeLink(BaseSocketModeHandler):
    """Bolt's Socket Mode handler with kiun's reconnection and envelope dedupe (see the module docstring)."""

    client: _Client

    def __init__(self, app: App, core: Core, metrics: Metrics) -> None:
        self.app, self.core, self.metrics = app, core, metrics
        sdk_log.addFilter(_LINK_CHATTER)
        opener = WebClient(base_url=core.settings.slack_api_url, timeout=TIMEOUT_SECONDS, logger=sdk_log)
        opener.retry_handlers = []  # each attempt is one apps.connections.open call; retries are the backoff's
        self.client = _Client(
            self._asked_to_reconnect,
            app_token=core.settings.slack_app_token,
            logger=sdk_log,
            web_client=opener,
            auto_reconnect_enabled=False,
            ping_interval=PING_SECONDS,
            concurrency=core.settings.kiun_workers,
        )
        self.client.socket_mode_request_listeners.append(self.handle)
        self.client.on_error_listeners.append(lambda error: self._note(f"{type(error).__name__}: {error}"))
        self.client.on_close_listeners.append(lambda code, reason: self._note(f"closed by Slack: {code} {reason}"))
        self._why = ""  # what last went wrong, for the next log line
        self._asked: str | None = None  # the reason in Slack's disconnect message, until acted on
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="kiun-socket-link", daemon=True)

    def connect(self) -> None:
        """Connect, then keep the link from a thread. Raises ConfigError when Slack refuses SLACK_APP_TOKEN; any
        other failure is retried as a lost link is."""
        try:
            self._attempt()
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in REFUSED_TOKEN:
                self.client.close()
                raise ConfigError(
                    f"Slack refused SLACK_APP_TOKEN ({error}): set the app-level token (xapp-…) of this app, "
                    "with the connections:write scope"
                ) from None
            self._why = _reason(exc)
        except Exception as exc:  # noqa: BLE001 - retried by the keeper; the reason goes in its first line
            self._why = _reason(exc)
        self._keeper.start()

    def connected(self) -> bool:
        """Whether the WebSocket to Slack is open (for ``/healthz``)."""
        return self.client.is_connected()

    def close(self) -> None:
        """Stop reconnecting and close the WebSocket."""
        self._closing.set()
        self._wake.set()
        if self._keeper.is_alive():
            self._keeper.join(timeout=TIMEOUT_SECONDS)
        self.client.close()

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        """Run the Bolt app for an envelope and ack it; one already handled (same envelope_id) is only acked."""
        try:
            first = first_delivery(self.core, f"envelope:{req.envelope_id}")
        except SQLAlchemyError as exc:  # the handlers will say sorry; better that than no answer at all
            why = type(exc).__name__
            log.warning("slack: cannot record envelope %s (%s); handling it anyway", req.envelope_id, why)
            first = True
        if first:
            payload = _ack_payload(run_bolt_app(self.app, req))
        else:
            log.info("slack: envelope %s already handled; acking this delivery only", req.envelope_id)
            self.metrics.requests.labels("envelope", "duplicate").inc()
            payload = None
        try:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))
        except SlackClientNotConnectedError:
            log.warning("slack: could not ack envelope %s: the link is down; Slack sends it again", req.envelope_id)

    # -- the link ------------------------------------------------------------------------------------------
    def _asked_to_reconnect(self, reason: str) -> None:
        with self._lock:
            self._asked = reason
        self._wake.set()

    def _note(self, why: str) -> None:
        self._why = why.strip()

    def _attempt(self) -> None:
        """One connection attempt: a new URL from ``apps.connections.open``, then the WebSocket handshake."""
        self._why = ""
        with self.client.connect_operation_lock:
            self.client.wss_uri = self.client.issue_new_wss_url()
            self.client.connect()  # opens the new connection, closes the old one, then reads from the new one
        sock = self.client.current_session.sock if self.client.current_session else None
        if sock is None:
            self._why = self._why or "the WebSocket handshake was refused"
        else:  # the SDK's 3 s would leave the next new connection unread for as long, past Slack's 3 s for an ack
            sock.settimeout(READ_SECONDS)

    def _alive(self) -> bool:
        """Whether the link is up; a socket whose other end has closed is disconnected here and then."""
        session = self.client.current_session
        if not self.client.is_connected() or session is None:
            return False
        if _closed_by_peer(session):
            self._why = "connection closed by the other end"
            session.disconnect()
            return False
        return True

    def _keep(self) -> None:
        """Reconnect whenever the link is down; the attempts count on until a link has stayed up for
        BACKOFF_MAX_SECONDS, so one that drops right after each reconnection backs off too."""
        attempt, up_since = 0, 0.0
        while not self._closing.is_set():
            with self._lock:
                asked, self._asked = self._asked, None
            if asked is None and self._alive():
                if attempt and not up_since:
                    log.info("slack: Socket Mode link up again after %d attempt(s)", attempt)
                    up_since = time.monotonic()
                if attempt and time.monotonic() - up_since >= BACKOFF_MAX_SECONDS:
                    attempt = 0
                self._wake.wait(CHECK_SECONDS)
                self._wake.clear()
                continue
            attempt, up_since = attempt + 1, 0.0
            extra = {"attempt": attempt}
            if asked is not None and attempt == 1:
                delay = 0.0
                log.info("slack: Slack asked to reconnect (%s); reconnecting now (attempt 1)", asked, extra=extra)
            else:
                delay = backoff(attempt)
                why = f"Slack sent disconnect: {asked}" if asked else self._why or "connection closed"
                log.warning(
                    "slack: Socket Mode link down (%s); reconnecting in %.1f s (attempt %d)",
                    why,
                    delay,
                    attempt,
                    extra=extra | {"delay_seconds": round(delay, 3)},
                )
            if self._closing.wait(delay):
                break
            try:
                self._attempt()
            except Exception as exc:  # noqa: BLE001 - any failure is retried; its reason goes in the next line
                self._why = _reason(exc)


def _closed_by_peer(session: Connection) -> bool:
    """Whether the TCP stream has ended (a peek at the socket's descriptor: the SDK's reader does not notice)."""
    sock = session.sock
    if sock is None:
        return True
    try:
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as raw:
            return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _ack_payload(response: BoltResponse) -> dict[str, Any] | None:
    """What the ack carries: the listener's JSON (an ephemeral reply, form errors), its text, or nothing."""
    if response.status != 200 or not response.body:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    return json.loads(response.body) if content_type.startswith("application/json") else {"text": response.body}


def _reason(exc: Exception) -> str:
    """One line saying why an attempt failed."""
    if isinstance(exc, SlackApiError):
        return f"apps.connections.open: {exc.response.get('error') or exc.response.status_code}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
