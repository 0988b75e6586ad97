"""Socket Mode without a process: the reconnection backoff, and ``kiun serve`` refusing a token in the wrong place."""

from __future__ import annotations

import pytest

from bot.cli import EXIT_CONFIG, main
from bot.platforms.slack.socket import backoff


def test_backoff_doubles_from_one_second_up_to_thirty_with_half_of_it_random() -> None:
    for attempt in range(1, 12):
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        delays = [backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jittered, so replicas do not reconnect in step
    assert 15 <= backoff(100_000) <= 30  # still capped (and no overflow) after days of outage


@pytest.mark.parametrize(
    ("tokens", "line"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-1"},
            "kiun: SLACK_APP_TOKEN is invalid: must be the app-level token (xapp-…); "
            "the bot token (xoxb-…) goes in SLACK_BOT_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": "xapp-1-A1-2", "SLACK_APP_TOKEN": "xapp-1-A1-2"},
            "kiun: SLACK_BOT_TOKEN is invalid: must be the bot token (xoxb-…); "
            "the app-level token (xapp-…) goes in SLACK_APP_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "A1-2"},
            "kiun: SLACK_APP_TOKEN is invalid: must be the app-level token (xapp-…)",
        ),
    ],
    ids=["bot token as app token", "app token as bot token", "not a token"],
)
def test_serve_stops_with_one_line_when_a_token_is_in_the_wrong_place(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tokens: dict[str, str], line: str
) -> None:
    for name, value in tokens.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == EXIT_CONFIG
    assert capsys.readouterr().err.splitlines() == [line]
