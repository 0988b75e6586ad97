"""Real ``kiun`` processes for the reliability tests and benchmarks: start, wait for HTTP, stop or kill.

Each process logs JSON lines to its own file (a pipe nobody reads could fill up and block it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str) -> tuple[int, str]:
    """Status and body of a GET; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


@dataclass
class KiunProcess:
    """One ``kiun`` process (``python -m bot …`` or another module) with its log file."""

    process: subprocess.Popen
    log_path: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def records(self) -> list[dict]:
        """The JSON log lines (other lines, e.g. a traceback, are skipped)."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def wait_status(self, path: str, status: int, timeout: float = 30.0) -> str:
        """Wait until GET ``path`` answers ``status``; returns the body."""
        deadline = time.monotonic() + timeout
        last: tuple[int, str] = (0, "")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kiun exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            last = http_get(self.url + path)
            if last[0] == status:
                return last[1]
            time.sleep(0.05)
        raise AssertionError(f"GET {path} answered {last} not {status} in {timeout} s:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait (graceful shutdown); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """SIGKILL (a crash: nothing is finished or recorded)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def start_kiun(
    args: list[str], env: dict[str, str], log_path: Path, module: str = "bot", port: int | None = None
) -> KiunProcess:
    """Start ``python -m <module> <args>`` in the project root with ``env`` on top of this one's environment (less
    its SLACK_APP_TOKEN: Socket Mode only when ``env`` asks for it)."""
    inherited = {name: value for name, value in os.environ.items() if name != "SLACK_APP_TOKEN"}
    full_env = inherited | {"KIUN_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"} | env
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return KiunProcess(process, log_path, port)


def serve_http(env: dict[str, str], log_path: Path, module: str = "bot") -> KiunProcess:
    """``kiun serve --http`` on a free loopback port."""
    port = free_port()
    return start_kiun(["serve", "--http", "--host", "127.0.0.1", "--port", str(port)], env, log_path, module, port)
