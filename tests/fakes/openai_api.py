"""A local OpenAI-compatible API stand-in on 127.0.0.1 for the real ``openai`` client.

``POST /v1/chat/completions`` answers scripted replies (or a default) and records each request;
``POST /v1/embeddings`` returns deterministic vectors (hashed character bigrams, L2-normalised), so texts that
share words are near each other; ``GET /v1/models`` lists the models. The next requests can be made to fail
(500, 429 with a retry delay) or to hang past the client's timeout.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
DIMENSIONS = 64

Answer = str | Callable[[dict[str, Any]], str]


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]  # lower-case names


@dataclass
class Trouble:
    status: int = 500  # 0 means: hang for ``seconds``, then send the answer taken on arrival
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def embed(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """The stand-in's embedding of ``text``: character bigram counts hashed into ``dimensions`` buckets."""
    vector = [0.0] * dimensions
    grams = [text[i : i + 2] for i in range(len(text) - 1)] or [text]
    for gram in grams:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


class FakeOpenAI:
    """Start with :meth:`start`; point ``OPENAI_BASE_URL`` at :attr:`base_url`."""

    def __init__(self, default_answer: str = "テスト用の回答です。") -> None:
        self.default_answer = default_answer
        self.requests: list[Recorded] = []
        self._answers: list[Answer] = []
        self._troubles: list[Trouble] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release hanging requests
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- test controls --------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._answers.clear()
            self._troubles.clear()

    def script(self, *answers: Answer) -> None:
        """The next chat completions answer these, in order (a callable gets the request body)."""
        with self._lock:
            self._answers.extend(answers)

    def fail(self, status: int = 500, times: int = 1, retry_after: float = 0.01) -> None:
        """The next ``times`` requests answer ``status`` (500, 429, …), asking to retry after ``retry_after`` s."""
        headers = {"retry-after-ms": str(int(retry_after * 1000))}
        with self._lock:
            self._troubles.extend(Trouble(status, headers=headers) for _ in range(times))

    def hang(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests answer only after ``seconds`` (longer than the client's timeout)."""
        with self._lock:
            self._troubles.extend(Trouble(0, seconds) for _ in range(times))

    def requests_to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    # -- answers --------------------------------------------------------------------------------------
    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            answer = self._answers.pop(0) if self._answers else self.default_answer
        content = answer(body) if callable(answer) else answer
        prompt_tokens = sum(len(str(message.get("content", ""))) for message in body.get("messages", []))
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", CHAT_MODEL),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content),
                "total_tokens": prompt_tokens + len(content),
            },
        }

    @staticmethod
    def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else texts
        dimensions = int(body.get("dimensions") or DIMENSIONS)
        data = [
            {"object": "embedding", "index": i, "embedding": embed(text, dimensions)} for i, text in enumerate(texts)
        ]
        tokens = sum(len(text) for text in texts)
        return {
            "object": "list",
            "data": data,
            "model": body.get("model", EMBEDDING_MODEL),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @staticmethod
    def _models() -> dict[str, Any]:
        data = [
            {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "kiun-tests"}
            for name in (CHAT_MODEL, EMBEDDING_MODEL)
        ]
        return {"object": "list", "data": data}

    def _take_trouble(self) -> Trouble | None:
        with self._lock:
            return self._troubles.pop(0) if self._troubles else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, fake._models())
                else:
                    self._send(404, _error("not_found", f"no route {self.path}"))

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, _error("invalid_request_error", "body is not JSON"))
                    return
                path = self.path.split("?")[0]
                with fake._lock:
                    fake.requests.append(Recorded(path, body, {k.lower(): v for k, v in self.headers.items()}))
                trouble = fake._take_trouble()
                if trouble and trouble.status:
                    self._send(trouble.status, _error("server_error", "scripted failure"), trouble.headers)
                    return
                # The answer is taken on arrival: a request that hangs past its client's timeout must not wake
                # up later and take an answer scripted for a later request (or a later test).
                if path == "/v1/chat/completions":
                    status, answer = 200, fake._chat(body)
                elif path == "/v1/embeddings":
                    status, answer = 200, fake._embeddings(body)
                else:
                    status, answer = 404, _error("not_found", f"no route {path}")
                if trouble and fake._stopping.wait(trouble.seconds):
                    return
                self._send(status, answer)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        return Handler


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": None}}
