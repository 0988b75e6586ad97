"""Ack latency of ``/kiun help`` over HTTP, next to a bare slack-bolt app served the same way (the floor).

Both run on waitress with the same thread count on 127.0.0.1, against a local stand-in for Slack's Web API
(so Bolt's start-up ``auth.test`` never leaves the machine); kiun uses a temporary SQLite database. Clients are
threads, each with a keep-alive connection, sending correctly signed slash commands.

Both apps ack from Bolt's listener threads (``process_before_response=False``), so the floor includes Bolt's own
wait for the ack; the ratio is what kiun adds on top (middleware, routing, the handler, Block Kit rendering).

    python benchmarks/ack_latency.py [--requests 300] [--threads 8]
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
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app.config import load_settings  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.features import build_router  # noqa: E402
from bot.platforms.slack.server import HttpServer, make_wsgi_app  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402

SECRET = "benchmark-signing-secret"
CONCURRENCY = (1, 10, 50)


def floor_app(api_url: str) -> SlackRequestHandler:
    """The least a Bolt app can do: verify the request and ack one command."""
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-bench", base_url=api_url))

    @app.command("/kiun")
    def kiun(ack) -> None:
        ack("ok")

    return SlackRequestHandler(app)


def signed_command(verifier: SignatureVerifier, n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": f"U{n % 97:04d}",
            "command": "/kiun",
            "text": "help",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": f"trigger.{n}",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


def run_clients(url: str, clients: int, total: int) -> list[float]:
    """``total`` signed requests from ``clients`` threads; returns each latency in milliseconds."""
    verifier = SignatureVerifier(SECRET)
    parts = urlsplit(url)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        for n in counter:
            body, headers = signed_command(verifier, n)
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or not data:
                failures.append(f"{response.status} {data[:80]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return latencies


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per concurrency level (default 300)")
    parser.add_argument("--threads", type=int, default=8, help="server threads for both apps (default 8)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queueing at 50 clients is what we measure

    api = FakeSlackAPI().start()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(database_url)
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=api.api_url,
            KIUN_WORKERS=args.threads,
        )
        core = Core.create(settings)
        servers = {
            "kiun": HttpServer(make_wsgi_app(core, build_router()), threads=args.threads).start(),
            "floor": HttpServer(floor_app(api.api_url), threads=args.threads).start(),
        }
        try:
            for server in servers.values():
                run_clients(server.url, 4, 40)  # warm up
            rows = []
            for clients in CONCURRENCY:
                total = max(args.requests, clients * 10)
                results = {name: percentiles(run_clients(s.url, clients, total)) for name, s in servers.items()}
                rows.append((clients, total, results["kiun"], results["floor"]))
        finally:
            for server in servers.values():
                server.stop(grace=5)
            core.close()
            api.stop()

    print(f"/kiun help ack latency over HTTP (waitress, {args.threads} threads, loopback), milliseconds")
    print()
    columns = ["clients", "requests", "kiun p50", "kiun p95", "kiun p99", "floor p50", "floor p95", "floor p99"]
    print("| " + " | ".join(columns) + " | ratio p50/p95/p99 |")
    print("|" + "--:|" * 8 + ":--|")
    for clients, total, kiun, floor in rows:
        ratio = "/".join(f"{k / f:.1f}x" for k, f in zip(kiun, floor, strict=True))
        print(
            f"| {clients:>7} | {total:>8} | {kiun[0]:>8.1f} | {kiun[1]:>8.1f} | {kiun[2]:>8.1f} "
            f"| {floor[0]:>9.1f} | {floor[1]:>9.1f} | {floor[2]:>9.1f} | {ratio} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
