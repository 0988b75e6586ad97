"""``kiun polls list|results|trend``: the latest closed run by default, JSON with hidden values as null."""

from __future__ import annotations

import json

import pytest

from bot.app.core import Core
from bot.cli import main
from bot.features.polls.runs import close_run
from tests.polls_support import USERS, answer, open_for


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, core: Core) -> Core:
    monkeypatch.setenv("DATABASE_URL", core.settings.database_url)
    monkeypatch.setenv("KIUN_SECRET_KEY", core.settings.kiun_secret_key)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return core


def test_results_json_of_the_latest_closed_run(env: Core, capsys: pytest.CaptureFixture) -> None:
    assert main(["polls", "results"]) == 1
    assert "no closed poll run yet" in capsys.readouterr().err
    first = open_for(env, USERS)
    for user in USERS[:5]:
        answer(env, first, user, "relevance", "5")
    answer(env, first, USERS[0], "comment", "とても良いです")
    close_run(env, first.id)
    open_for(env, USERS, poll="quick-pulse")  # open, so not the default
    assert main(["polls", "results", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["run", "poll", "recipients", "responses", "hidden", "questions"]
    assert (data["run"], data["poll"], data["recipients"], data["responses"], data["hidden"]) == (
        first.id,
        "dx-momentum",
        len(USERS),
        5,
        False,
    )
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["relevance"]["mean"] == 5.0 and by_id["relevance"]["distribution"]["5"] == 5
    assert by_id["proposal"] == {
        "id": "proposal",
        "type": "likert5",
        "n": 0,
        "mean": None,
        "distribution": None,
        "comments": None,
        "breakdown": {},
    }
    assert by_id["comment"]["comments"] is None and by_id["comment"]["n"] == 1
    assert by_id["recommend"]["enps"] is None

    assert main(["polls", "results", str(first.id)]) == 0
    assert "平均 5.0（5段階、5件）" in capsys.readouterr().out
    assert main(["polls", "results", "999"]) == 1
    assert main(["polls", "list"]) == 0
    listed = capsys.readouterr().out
    assert "template dx-momentum" in listed and f"run {first.id}" in listed
    assert main(["polls", "trend", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["scores"]["relevance"] == 5.0
