"""``kiun serve`` in Socket Mode as a real process, over the real slack_sdk WebSocket client, against the Slack
stand-in's ``apps.connections.open`` and Socket Mode WebSocket (tests/fakes/slack_socket.py).

Envelopes of every kind kiun handles are acked within Slack's 3 seconds and answered as over HTTP (the same
expectations, tests/integration/slack_expectations.py). After Slack's ``disconnect`` messages, a dropped socket or
refused connections kiun reconnects with backoff, one log line per attempt, and loses no acked work; re-sent
envelopes are handled once; ``--health-port`` reports the link. The process runs without the scheduler and sender
(``--no-worker``), so nothing but the tests' envelopes reaches the stand-in, and with the reconnection timings
shortened by tests/integration/socket_serve.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.models import PlatformEvent
from bot.platforms.slack import socket
from tests.conftest import ADMIN
from tests.fakes import slack_payloads as payloads
from tests.fakes.slack_api import APP_TOKEN, FakeSlackAPI
from tests.fakes.slack_socket import Ack, FakeSocketMode
from tests.integration import slack_expectations as expect
from tests.integration.ideas_helpers import full_idea
from tests.integration.processes import KiunProcess, free_port, http_get, start_kiun
from tests.integration.slack_harness import wait_until

ACK_SECONDS = 3.0  # Slack's limit for an ack
BACKOFF = (0.1, 0.4)  # first delay and cap set by tests/integration/socket_serve.py
HOME_OPENED = {"type": "app_home_opened", "user": ADMIN, "channel": "D_ADMIN", "tab": "home"}


def serve_env(database_url: str, slack_api: FakeSlackAPI, **overrides: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_ADMINS": ADMIN,
        "KIUN_SECRET_KEY": "test-secret-key-0123456789",
        "KIUN_IDEAS_CHANNEL": "C_IDEAS",
        "KIUN_WORKERS": "4",
    } | overrides


@pytest.fixture(scope="module")
def kiun(database_url: str, slack_api: FakeSlackAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KiunProcess]:
    """One ``kiun serve --health-port`` process for the module, connected to the stand-in."""
    port = free_port()
    args = ["serve", "--no-worker", "--host", "127.0.0.1", "--health-port", str(port)]
    log_path = tmp_path_factory.mktemp("socket") / "serve.log"
    process = start_kiun(args, serve_env(database_url, slack_api), log_path, "tests.integration.socket_serve", port)
    try:
        assert json.loads(process.wait_status("/healthz", 200)) == {"status": "ok", "slack": "connected"}
        yield process
        assert process.stop() == 0
        assert "Traceback" not in process.log()
    finally:
        process.kill()


@pytest.fixture
def sock(core: Core, slack_api: FakeSlackAPI, kiun: KiunProcess) -> FakeSocketMode:
    """The stand-in's Socket Mode side, reset (by ``core``), with kiun connected long enough that a loss starts
    its backoff afresh (a link up for the longest wait; see SocketModeLink._keep)."""
    socket_mode = slack_api.socket_mode
    socket_mode.wait_live()
    steady = BACKOFF[1] + socket.READ_SECONDS + 2 * socket.CHECK_SECONDS
    wait_until(lambda: time.monotonic() - socket_mode.opened_at[-1] > steady, timeout=5)
    return socket_mode


def acked(sock: FakeSocketMode, envelope_id: str) -> Ack:
    """The envelope's ack, asserted to have come within Slack's 3 seconds."""
    ack = sock.wait_ack(envelope_id, timeout=ACK_SECONDS + 2)
    assert ack.at - sock.sent[envelope_id] < ACK_SECONDS
    return ack


def posts(slack_api: FakeSlackAPI, count: int) -> dict[str, dict]:
    """The first ``count`` chat.postMessage calls by channel."""
    return {call.params["channel"]: call.params for call in slack_api.wait_for("chat.postMessage", count)}


def homes(slack_api: FakeSlackAPI, user_id: str) -> list[dict]:
    return [call.params for call in slack_api.calls_to("views.publish") if call.params["user_id"] == user_id]


def attempt_records(kiun: KiunProcess, since: int) -> list[dict]:
    """kiun's one log line per reconnection attempt, from the ``since``-th record on."""
    return [record for record in kiun.records()[since:] if "attempt" in record]


def duplicates(kiun: KiunProcess, kind: str) -> float:
    """``kiun_slack_requests_total{kind=…,outcome="duplicate"}`` from the health port's /metrics."""
    line = f'kiun_slack_requests_total{{kind="{kind}",outcome="duplicate"}} '
    found = [row for row in http_get(kiun.url + "/metrics")[1].splitlines() if row.startswith(line)]
    return float(found[0].removeprefix(line)) if found else 0.0


def test_stand_in_opens_connections_for_the_app_token_only(slack_api: FakeSlackAPI) -> None:
    client = WebClient(base_url=slack_api.api_url)
    assert client.apps_connections_open(app_token=APP_TOKEN)["url"].startswith("ws://127.0.0.1:")
    for token, error in (("xoxb-test", "not_allowed_token_type"), ("xapp-1-A1-other", "invalid_auth")):
        with pytest.raises(SlackApiError) as raised:
            client.apps_connections_open(app_token=token)
        assert raised.value.response["error"] == error and error in socket.REFUSED_TOKEN


@pytest.mark.slow
def test_every_kind_of_envelope_is_acked_in_time_and_answered_as_over_http(
    sock: FakeSocketMode, slack_api: FakeSlackAPI, core: Core
) -> None:
    url = slack_api.base_url
    ask = payloads.command("/ask", "DXとは何ですか", response_url=url)
    button = payloads.block_action("kiun_help", "help", response_url=url)
    sent = {
        "help": sock.send("slash_commands", payloads.command("/kiun", "help", response_url=url)),
        "ask": sock.send("slash_commands", ask),
        "button": sock.send("interactive", button),
        "form": sock.send("interactive", payloads.view_submission("idea_submit", full_idea(), user_id="U_A")),
        "bad form": sock.send("interactive", payloads.view_submission("idea_submit", full_idea(title="あ" * 81))),
        "mention": sock.send("events_api", payloads.event(payloads.mention())),
        "dm": sock.send("events_api", payloads.event(payloads.dm())),
        "home": sock.send("events_api", payloads.event(HOME_OPENED)),
    }
    acks = {name: acked(sock, envelope_id).payload for name, envelope_id in sent.items()}
    expect.help_ack(acks["help"])
    expect.thinking_ack(acks["ask"])
    assert acks["bad form"] == {
        "response_action": "errors",
        "errors": {"title": t("error.too_long", length=81, limit=80)},
    }
    assert [acks[name] for name in ("button", "form", "mention", "dm", "home")] == [None] * 5

    wait_until(lambda: len(slack_api.responses()) == 2)
    answers = {url + call.method: call.params for call in slack_api.calls}  # response_url → what was posted there
    expect.ask_refused(answers[ask["response_url"]])
    expect.help_button_answer(answers[button["response_url"]])
    replies = posts(slack_api, 3)
    expect.mention_reply(replies["C_GENERAL"])
    expect.dm_reply(replies["D_STAFF"])
    expect.idea_received_dm(replies["DU_A"], "U_A")
    wait_until(lambda: homes(slack_api, ADMIN))  # U_A's Home is refreshed too, after the proposal
    expect.admin_home(homes(slack_api, ADMIN)[0], ADMIN)


@pytest.mark.slow
def test_resent_envelopes_are_acked_and_handled_once(
    sock: FakeSocketMode, slack_api: FakeSlackAPI, core: Core, kiun: KiunProcess
) -> None:
    before = {kind: duplicates(kiun, kind) for kind in ("envelope", "event")}
    button = payloads.block_action("kiun_help", "help", response_url=slack_api.base_url)
    first = sock.send("interactive", button)
    acked(sock, first)
    sock.send("interactive", button, envelope_id=first)  # Slack sends it again: same envelope_id
    mention = payloads.event(payloads.mention(), event_id="Ev0SOCKETAGAIN")
    original = sock.send("events_api", mention)
    retry = sock.send("events_api", mention, retry_attempt=1, retry_reason="timeout")  # a new envelope, same event
    for envelope_id in (original, retry):
        acked(sock, envelope_id)
    wait_until(lambda: len(sock.acks_of(first)) == 2)

    # both duplicates were stopped before any listener ran, before their ack
    assert duplicates(kiun, "envelope") == before["envelope"] + 1
    assert duplicates(kiun, "event") == before["event"] + 1
    with core.sessions() as session:
        keys = set(session.scalars(select(PlatformEvent.event_id)))
    assert keys == {f"envelope:{first}", f"envelope:{original}", f"envelope:{retry}", "Ev0SOCKETAGAIN"}
    wait_until(lambda: slack_api.responses() and slack_api.calls_to("chat.postMessage"))
    assert len(slack_api.responses()) == len(slack_api.calls_to("chat.postMessage")) == 1


@pytest.mark.slow
def test_refresh_requested_reconnects_at_once_with_one_line(
    sock: FakeSocketMode, slack_api: FakeSlackAPI, kiun: KiunProcess
) -> None:
    since, connections = len(kiun.records()), len(sock.connections)
    acked(sock, sock.send("events_api", payloads.event(payloads.mention())))  # answered after the ack
    sock.disconnect("refresh_requested")
    sock.wait_live(after=connections)
    wait_until(lambda: len(sock.live()) == 1)  # kiun closed the old connection once the new one was open
    expect.help_ack(acked(sock, sock.send("slash_commands", payloads.command("/kiun", "help"))).payload)
    expect.mention_reply(slack_api.wait_for("chat.postMessage")[0].params)

    [line] = attempt_records(kiun, since)
    assert (line["level"], line["attempt"]) == ("INFO", 1)
    assert line["message"] == "slack: Slack asked to reconnect (refresh_requested); reconnecting now (attempt 1)"
    assert len(slack_api.calls_to("apps.connections.open")) == len(sock.attempts) == 1


@pytest.mark.slow
def test_dropped_sockets_are_reconnected_with_backoff_and_no_envelope_is_lost(
    sock: FakeSocketMode, slack_api: FakeSlackAPI, kiun: KiunProcess
) -> None:
    since, connections = len(kiun.records()), len(sock.connections)
    acked(sock, sock.send("events_api", payloads.event(payloads.mention())))  # its reply comes after the ack
    button = payloads.block_action("kiun_help", "help", response_url=slack_api.base_url)
    unsure = sock.send("interactive", button)
    sock.drop()  # no close frame; the ack of ``unsure`` may or may not have made it
    sock.wait_live(after=connections)
    sock.drop()  # and the new link at once too: the backoff goes on rather than starting afresh
    sock.wait_live(after=connections + 1)
    sock.send("interactive", button, envelope_id=unsure)  # Slack sends it again on the new connection
    acked(sock, unsure)

    expect.mention_reply(slack_api.wait_for("chat.postMessage")[0].params)
    wait_until(lambda: slack_api.responses())
    [answer] = slack_api.responses()
    expect.help_button_answer(answer)
    lines = attempt_records(kiun, since)
    assert [(line["attempt"], line["level"]) for line in lines] == [(1, "WARNING"), (2, "WARNING")]
    first, cap = BACKOFF
    for line in lines:
        assert line["message"].startswith("slack: Socket Mode link down (connection closed by the other end); ")
        ceiling = min(cap, first * 2 ** (line["attempt"] - 1))
        assert ceiling / 2 <= line["delay_seconds"] <= ceiling
    wait_until(lambda: any("link up again after 2 attempt(s)" in r["message"] for r in kiun.records()[since:]))


@pytest.mark.slow
def test_outage_is_retried_with_backoff_one_line_per_attempt_and_healthz_tells(
    sock: FakeSocketMode, slack_api: FakeSlackAPI, kiun: KiunProcess
) -> None:
    since, connections = len(kiun.records()), len(sock.connections)
    slack_api.fail("apps.connections.open", status=503, times=2)  # first Slack's Web API fails,
    sock.refuse(2.5)  # then its WebSocket endpoint refuses connections for a while
    sock.disconnect("link_disabled", close=True)  # as when Socket Mode is turned off
    assert json.loads(kiun.wait_status("/healthz", 503, timeout=5)) == {
        "status": "unavailable",
        "slack": "disconnected",
    }
    sock.wait_live(after=connections, timeout=10)
    assert json.loads(kiun.wait_status("/healthz", 200, timeout=5)) == {"status": "ok", "slack": "connected"}
    expect.help_ack(acked(sock, sock.send("slash_commands", payloads.command("/kiun", "help"))).payload)

    lines, opened = attempt_records(kiun, since), slack_api.calls_to("apps.connections.open")
    assert len(lines) == len(opened) == len(sock.attempts) + 2 >= 5
    assert [line["attempt"] for line in lines] == list(range(1, len(lines) + 1))
    assert lines[0]["message"] == "slack: Slack asked to reconnect (link_disabled); reconnecting now (attempt 1)"
    reasons = [line["message"].split(" (", 1)[1].split("); ", 1)[0] for line in lines[1:]]
    # the two Web API failures, then the refused handshakes; under load the old link's close (code 1000) may be
    # seen by the first attempt too
    assert reasons.count("apps.connections.open: internal_error") == 2
    assert "the WebSocket handshake was refused" in reasons
    assert set(reasons) - {"apps.connections.open: internal_error", "the WebSocket handshake was refused"} <= {
        "closed by Slack: 1000"
    }
    first, cap = BACKOFF
    for line, (previous, call) in zip(lines[1:], pairwise(opened), strict=True):
        ceiling = min(cap, first * 2 ** (line["attempt"] - 1))  # exponential, capped, half of it random
        assert ceiling / 2 <= line["delay_seconds"] <= ceiling and call.at - previous.at >= line["delay_seconds"]
        assert line["level"] == "WARNING"
    assert not [r for r in kiun.records()[since:] if r["logger"].startswith("slack_sdk")]  # one attempt, one line


@pytest.mark.slow
def test_serve_stops_at_start_when_slack_refuses_the_app_token(
    core: Core, slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    env = serve_env(core.settings.database_url, slack_api, SLACK_APP_TOKEN="xapp-1-A1-revoked")
    process = start_kiun(["serve", "--no-worker"], env, tmp_path / "serve.log")
    try:
        assert process.process.wait(30) == 2
    finally:
        process.kill()
    assert [line for line in process.log().splitlines() if not line.startswith("{")] == [
        "kiun: Slack refused SLACK_APP_TOKEN (invalid_auth): set the app-level token (xapp-…) of this app, "
        "with the connections:write scope"
    ]
