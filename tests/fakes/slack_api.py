"""A local Slack Web API stand-in on 127.0.0.1 for the real ``slack_sdk`` WebClient.

It records every call, answers like Slack for the methods kiun uses, can be told to fail the next calls
(429 with ``Retry-After``, 5xx, or a Slack error), and rejects Block Kit that breaks Slack's limits with
``invalid_blocks`` as Slack does. ``apps.connections.open`` takes only the app-level token (:data:`APP_TOKEN`) and
answers a URL on the Socket Mode stand-in, :attr:`FakeSlackAPI.socket_mode` (see slack_socket.py).
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.slack_socket import FakeSocketMode

APP_TOKEN = "xapp-1-A1-test"
# Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks)
MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ACTION_ELEMENTS = 25
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_MESSAGE_TEXT = 40000


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _failure(status: int, retry_after: int | None = None, error: str | None = None) -> Failure:
    headers = {"Retry-After": str(retry_after if retry_after is not None else 1)} if status == 429 else {}
    body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
    return Failure(status, body, headers)


@dataclass
class Pattern:
    """Deterministic failures for one method: every ``every``-th call answers 429 (``Retry-After``), and of the
    other calls a seeded ``ratio`` answers ``status``. ``counts`` records what was answered."""

    every: int
    retry_after: int
    ratio: float
    status: int
    rng: random.Random
    calls: int = 0
    counts: dict[int, int] = field(default_factory=dict)

    def next(self) -> Failure | None:
        self.calls += 1
        if self.every and self.calls % self.every == 0:
            failure = _failure(429, self.retry_after)
        elif self.rng.random() < self.ratio:
            failure = _failure(self.status)
        else:
            return None
        self.counts[failure.status] = self.counts.get(failure.status, 0) + 1
        return failure


def block_problems(blocks: list[dict[str, Any]], limit: int) -> list[str]:
    """What in ``blocks`` breaks Slack's limits (empty when they are valid)."""
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    for index, block in enumerate(blocks):
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "section":
            if len(text) > MAX_SECTION_TEXT:
                problems.append(f"block {index}: section text {len(text)} > {MAX_SECTION_TEXT}")
            if not text and not block.get("fields"):
                problems.append(f"block {index}: section without text or fields")
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS:
                problems.append(f"block {index}: {len(fields)} fields > {MAX_FIELDS}")
            problems += [
                f"block {index}: field text > {MAX_FIELD_TEXT}"
                for f in fields
                if len(f.get("text", "")) > MAX_FIELD_TEXT
            ]
        if kind == "header" and len(text) > MAX_HEADER_TEXT:
            problems.append(f"block {index}: header {len(text)} > {MAX_HEADER_TEXT}")
        if kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > MAX_ACTION_ELEMENTS:
                problems.append(f"block {index}: {len(elements)} elements > {MAX_ACTION_ELEMENTS}")
            for element in elements:
                label = (element.get("text") or {}).get("text", "")
                if element.get("type") == "button" and len(label) > MAX_BUTTON_TEXT:
                    problems.append(f"block {index}: button text {len(label)} > {MAX_BUTTON_TEXT}")
            ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(ids) != len(set(ids)):
                problems.append(f"block {index}: duplicate action_id")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    problems = block_problems(view.get("blocks") or [], MAX_BLOCKS_VIEW)
    if view.get("type") == "modal":
        for key, limit in (("title", MAX_MODAL_TITLE), ("submit", MAX_MODAL_BUTTON), ("close", MAX_MODAL_BUTTON)):
            text = (view.get(key) or {}).get("text", "")
            if len(text) > limit:
                problems.append(f"modal {key} {len(text)} > {limit}")
        if not (view.get("title") or {}).get("text"):
            problems.append("modal without title")
    return problems


class FakeSlackAPI:
    """Start with :meth:`start`; point ``SLACK_API_URL`` at :attr:`api_url`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.patterns: dict[str, Pattern] = {}
        self.members: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}  # path → content, served to GET with the bot token (url_private)
        self.socket_mode = FakeSocketMode()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> FakeSlackAPI:
        self._thread.start()
        self.socket_mode.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.socket_mode.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # -- test controls --------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.patterns.clear()
            self.members = []
            self.users = {}
            self.messages = {}
            self.uploads = {}
            self.files = {}
        self.socket_mode.reset()

    def fail(
        self, method: str, status: int = 500, times: int = 1, retry_after: int | None = None, error: str | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``*`` for any) fail.

        ``status`` 429 answers ``ratelimited`` with ``Retry-After``; 5xx an HTTP error; ``error`` with status 200
        answers ``{"ok": false, "error": error}`` like Slack's own errors.
        """
        with self._lock:
            self.failures.setdefault(method, []).extend(_failure(status, retry_after, error) for _ in range(times))

    def fail_pattern(
        self, method: str, every: int = 0, retry_after: int = 1, ratio: float = 0.0, status: int = 503, seed: int = 0
    ) -> Pattern:
        """Fail calls of ``method`` by a deterministic pattern (see :class:`Pattern`); returns it for its counts."""
        pattern = Pattern(every, retry_after, ratio, status, random.Random(seed))
        with self._lock:
            self.patterns[method] = pattern
        return pattern

    def responses(self) -> list[dict[str, Any]]:
        """What was posted to the response_urls of commands and actions (``respond()``), oldest first."""
        with self._lock:
            return [call.params for call in self.calls if call.method.startswith(("/commands/", "/actions/"))]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (for lazy listeners); returns those calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.01)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} times, expected {count}")

    # -- answering ------------------------------------------------------------------------------------
    def _take_failure(self, method: str) -> Failure | None:
        with self._lock:
            for key in (method, "*"):
                queue = self.failures.get(key)
                if queue:
                    return queue.pop(0)
            pattern = self.patterns.get(method)
            return pattern.next() if pattern else None

    def answer(self, method: str, params: dict[str, Any], token: str = "") -> dict[str, Any]:
        """Slack's answer to ``method``; ``token`` is the bearer token the call came with."""
        if method == "apps.connections.open":
            if token == APP_TOKEN:
                return {"ok": True, "url": self.socket_mode.url()}
            return {"ok": False, "error": "not_allowed_token_type" if token.startswith("xoxb-") else "invalid_auth"}
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        problems = block_problems(blocks, MAX_BLOCKS_MESSAGE) if blocks else []
        if view:
            problems += view_problems(view)
        if len(params.get("text") or "") > MAX_MESSAGE_TEXT:
            problems.append("text too long")
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        match method:
            case "auth.test":
                return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "kiun"}
            case "chat.postMessage":
                return self._store_message(params, ts)
            case "conversations.history":
                return self._history(params)
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._ts):06d}"
                return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
            case "files.completeUploadExternal":
                files = params.get("files")
                files = json.loads(files) if isinstance(files, str) else files or []
                return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
            case "chat.update" | "chat.postEphemeral":
                return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts") or ts, "message_ts": ts}
            case "conversations.open":
                users = params.get("users", "")
                return {"ok": True, "channel": {"id": "D" + str(users).split(",")[0]}}
            case "conversations.members":
                return self._members_page(params)
            case "users.info":
                user = params.get("user", "")
                return {"ok": True, "user": self.users.get(user, {"id": user, "deleted": False, "is_bot": False})}
            case "views.open" | "views.publish" | "views.update" | "views.push":
                return {"ok": True, "view": {"id": "V" + ts.replace(".", ""), **(view or {})}}
            case _:
                return {"ok": True}

    def _store_message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        """Keep a posted message (with its metadata) so ``conversations.history`` can return it."""
        channel = str(params.get("channel"))
        metadata = params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        item = {"type": "message", "ts": ts, "text": params.get("text", ""), "user": "UBOT", "metadata": metadata}
        with self._lock:
            self.messages.setdefault(channel, []).append(item)
        return {"ok": True, "channel": channel, "ts": ts, "message": item}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        oldest = float(params.get("oldest") or 0)
        with self._lock:
            items = [m for m in self.messages.get(str(params.get("channel")), []) if float(m["ts"]) >= oldest]
        if not params.get("include_all_metadata") or str(params["include_all_metadata"]).lower() in ("0", "false"):
            items = [{k: v for k, v in m.items() if k != "metadata"} for m in items]
        return {"ok": True, "messages": list(reversed(items)), "has_more": False}

    def _members_page(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = self.members[start : start + limit]
        nxt = str(start + limit) if start + limit < len(self.members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": nxt}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - a shared file's url_private, like files.slack.com
                with fake._lock:
                    fake.calls.append(Call(f"GET {self.path}", {}, dict(self.headers)))
                    data = fake.files.get(self.path)
                if data is None or self.headers.get("Authorization") != "Bearer xoxb-test":
                    self.send_response(404 if data is None else 403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if self.path.startswith("/upload/"):  # the file itself, sent to the URL from getUploadURLExternal
                    with fake._lock:
                        fake.uploads[self.path.rsplit("/", 1)[-1]] = data
                    self.send_response(200)
                    self.end_headers()
                    return
                raw = data.decode("utf-8")
                if (self.headers.get("Content-Type") or "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.split("/api/", 1)[-1].split("?")[0] if "/api/" in self.path else self.path
                with fake._lock:
                    fake.calls.append(Call(method, params, dict(self.headers)))
                failure = fake._take_failure(method)
                if failure:
                    self._send(failure.status, failure.body, failure.headers)
                else:
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    self._send(200, fake.answer(method, params, token))

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
