"""Load on a real ``kiun serve --http`` process (SQLite, loopback, local Slack and OpenAI stand-ins).

1. ``/kiun help`` at a steady ``--rate`` requests a second for ``--duration`` seconds (open loop: each request is
   sent at its scheduled time whether or not the earlier ones were answered, and its latency is counted from
   that time), next to the bare slack-bolt app of ``benchmarks/ack_latency.py`` served the same way (the floor).
2. ``--asks`` people sending ``/ask`` at the same moment while the LLM stand-in takes ``--llm-seconds`` to answer
   each: every ack's latency and text, how long until every answer reached its asker, and the kiun process's
   memory (RSS) before, at its peak and after.

    python benchmarks/load.py [--rate 200] [--duration 30] [--asks 50] [--llm-seconds 10] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ack_latency import SECRET, floor_app, signed_command  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app.config import load_settings  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.chat.i18n import t  # noqa: E402
from bot.common.paths import content_dir  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.features.qa.ingest import add_paths  # noqa: E402
from bot.platforms.slack.server import HttpServer  # noqa: E402
from tests.fakes.openai_api import FakeOpenAI  # noqa: E402
from tests.fakes.signing import SlackSender  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.integration.processes import KiunProcess, free_port, http_get, start_kiun  # noqa: E402

QUESTION = "会議資料はいつまでに共有フォルダへ掲載しますか"


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (``VmRSS``) or its peak (``VmHWM``), MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


# -- 1. steady rate ----------------------------------------------------------------------------------------------
def steady(url: str, rate: float, duration: float, clients: int = 64) -> tuple[list[float], int, float]:
    """Send ``rate × duration`` signed ``/kiun help`` at their scheduled times; (latencies ms, errors, achieved/s)."""
    verifier = SignatureVerifier(SECRET)
    parts = urlsplit(url)
    total = int(rate * duration)
    start = time.perf_counter() + 0.5
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, failed = [], 0
        for n in counter:
            due = start + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            body, headers = signed_command(verifier, n)
            try:
                connection.request("POST", "/slack/events", body=body, headers=headers)
                response = connection.getresponse()
                ok = response.status == 200 and bool(response.read())
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append((time.perf_counter() - due) * 1000)
            failed += not ok
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], total / (time.perf_counter() - start)


def serve_floor(port: int, threads: int, api_url: str) -> None:
    """``--serve-floor``: the bare Bolt app on ``port`` until killed (a process of its own, like kiun)."""
    logging.basicConfig(level=logging.ERROR)
    HttpServer(floor_app(api_url), port=port, threads=threads).start().thread.join()


# -- 2. slow LLM -------------------------------------------------------------------------------------------------
def ask_all(url: str, asks: int, response_url: str) -> list[tuple[float, str]]:
    """``asks`` signed ``/ask`` at once, one thread each; (ack latency ms, ack text) for each."""
    sender = SlackSender(f"{url}/slack/events", SECRET, response_url=response_url)
    results: list[tuple[float, str]] = []
    lock = threading.Lock()
    gate = threading.Barrier(asks)

    def ask(n: int) -> None:
        gate.wait()
        started = time.perf_counter()
        response = sender.command("/ask", QUESTION, user_id=f"U{n:04d}")
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            results.append((elapsed, (response.json() or {}).get("text", f"HTTP {response.status}")))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(asks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def sample_rss(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(0.1):
        try:
            peak[0] = max(peak[0], rss_mib(pid))
        except (OSError, LookupError):
            return


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="/kiun help requests a second (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of steady load (default 30)")
    parser.add_argument("--asks", type=int, default=50, help="simultaneous /ask (default 50)")
    parser.add_argument("--llm-seconds", type=float, default=10.0, help="the LLM stand-in's delay (default 10)")
    parser.add_argument("--threads", type=int, default=8, help="KIUN_WORKERS and the floor's threads (default 8)")
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor, args.threads, args.api_url)
        return 0
    logging.basicConfig(level=logging.ERROR)

    slack, openai = FakeSlackAPI().start(), FakeOpenAI().start()
    workdir = Path(tempfile.mkdtemp(prefix="kiun-load-"))
    url = f"sqlite:///{workdir / 'kiun.db'}"
    upgrade(url)
    core = Core.create(load_settings(_env_file=None, DATABASE_URL=url))
    add_paths(core, [content_dir() / "docs"])
    core.close()
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "OPENAI_BASE_URL": openai.base_url,
        "OPENAI_API_KEY": "sk-bench",
        "KIUN_WORKERS": str(args.threads),
        "KIUN_LOG_LEVEL": "WARNING",
        "KIUN_QA_DAILY_LIMIT": "0",
    }
    kiun = start_kiun(
        ["serve", "--http", "--no-worker", "--host", "127.0.0.1", "--port", str(port := free_port())],
        env,
        workdir / "kiun.log",
        port=port,
    )
    floor_port = free_port()
    floor = start_kiun(
        ["--serve-floor", str(floor_port), "--threads", str(args.threads), "--api-url", slack.api_url],
        {},
        workdir / "floor.log",
        module="benchmarks.load",
        port=floor_port,
    )
    try:
        kiun.wait_status("/healthz", 200)
        wait_until(lambda: _answers(floor), 30)
        rows = []
        for name, target in (("kiun", kiun), ("floor", floor)):
            steady(target.url, 20, 2)  # warm up
            latencies, errors, achieved = steady(target.url, args.rate, args.duration)
            rows.append((name, len(latencies), achieved, errors, latencies))
        idle = rss_mib(kiun.pid)

        openai.script(*["会議資料は前日正午までに共有フォルダへ掲載します[1]。"] * args.asks)
        openai.hang(args.llm_seconds, times=args.asks)
        stop, peak = threading.Event(), [idle]
        sampler = threading.Thread(target=sample_rss, args=(kiun.pid, stop, peak), daemon=True)
        sampler.start()
        started = time.perf_counter()
        acks = ask_all(kiun.url, args.asks, slack.base_url)
        answered = wait_until(lambda: len(_responses(slack)) >= args.asks, args.llm_seconds * args.asks + 60)
        last = time.perf_counter() - started
        stop.set()
        after = rss_mib(kiun.pid)
        answers = _responses(slack)
    finally:
        kiun.stop()
        floor.kill()
        slack.stop()
        openai.stop()

    print(f"/kiun help at {args.rate:g} requests/s for {args.duration:g} s (open loop; latency from the scheduled")
    print(f"send time), kiun serve --http vs the bare slack-bolt floor, each its own process, {args.threads} threads\n")
    print("| app | requests | achieved/s | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("|:--|--:|--:|--:|--:|--:|--:|--:|")
    for name, count, achieved, errors, lat in rows:
        print(
            f"| {name} | {count:,} | {achieved:.0f} | {errors} | {percentile(lat, 50):.1f} | {percentile(lat, 95):.1f} "
            f"| {percentile(lat, 99):.1f} | {max(lat):.1f} |"
        )
    ack_ms = [ms for ms, _ in acks]
    thinking = sum(1 for _, text in acks if text == t("slack.thinking"))
    print(f"\n{args.asks} simultaneous /ask, LLM stand-in answering each after {args.llm_seconds:g} s\n")
    print("| measure | value |")
    print("|:--|--:|")
    print(f"| acks with the 'thinking' message | {thinking} / {args.asks} |")
    print(f"| ack latency p50 / max | {percentile(ack_ms, 50):.0f} ms / {max(ack_ms):.0f} ms |")
    print(f"| acks over 3 s | {sum(1 for ms in ack_ms if ms > 3000)} |")
    print(f"| answers delivered | {len(answers)} / {args.asks}{'' if answered else ' (timed out)'} |")
    print(f"| all answered after | {last:.1f} s |")
    print(f"| kiun RSS idle (after the steady load) / peak / after | {idle:.0f} / {peak[0]:.0f} / {after:.0f} MiB |")
    return 0 if answered and thinking == args.asks and max(ack_ms) < 3000 else 1


def _responses(slack: FakeSlackAPI) -> list[dict]:
    return [call.params for call in slack.calls if call.method.startswith("/commands/")]


def _answers(process: KiunProcess) -> bool:
    return http_get(process.url + "/healthz")[0] != 0


if __name__ == "__main__":
    sys.exit(main())
