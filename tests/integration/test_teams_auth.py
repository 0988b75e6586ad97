"""Inbound activities must carry a valid Bot Framework JWT for kiun's app and come from an allowed service URL;
otherwise 401 and nothing is done (no reply, no stored reference, no handled-event row)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import PlatformEvent, TeamsPerson
from tests.fakes.teams_auth import EXPIRED, FUTURE_NBF, GOOD_KID
from tests.fakes.teams_login import APP_ID
from tests.integration.teams_harness import TeamsClient


def stored(teams: TeamsClient) -> tuple[int, int]:
    """Handled activities and known people."""
    with teams.core.sessions() as session:
        events = session.scalar(select(func.count()).select_from(PlatformEvent)) or 0
        people = session.scalar(select(func.count()).select_from(TeamsPerson)) or 0
    return events, people


def nothing_done(teams: TeamsClient, chat: str, before: tuple[int, int]) -> bool:
    return stored(teams) == before and teams.connector.activities(chat) == []


@pytest.mark.parametrize(
    "forged",
    [
        {"key": "other"},  # signed with a key that is not Bot Framework's
        {"key": "other", "kid": "good"},  # a known key id, a wrong signature
        {"aud": "11111111-2222-3333-4444-555555555555"},  # for another bot
        {"iss": "https://evil.example.com"},
        {"expires_in": EXPIRED},
        {"not_before": FUTURE_NBF},
        {"serviceurl": "http://127.0.0.1:9/teams/"},  # signed for another service URL than the activity's
    ],
    ids=["wrong-key", "bad-signature", "wrong-aud", "wrong-iss", "expired", "future-nbf", "serviceurl-mismatch"],
)
def test_a_forged_or_stale_token_is_refused(teams: TeamsClient, forged: dict) -> None:
    staff = teams.person()
    if forged.get("kid") == "good":
        forged = {**forged, "kid": GOOD_KID}
    activity, before = teams.activity(staff, teams.personal(staff), text="kiun help"), stored(teams)
    response = teams.post(activity, **forged)
    assert response.status_code == 401
    assert nothing_done(teams, teams.chat(staff), before)


def test_no_authorization_header_is_refused(teams: TeamsClient) -> None:
    staff, before = teams.person(), stored(teams)
    response = teams.post(teams.activity(staff, teams.personal(staff), text="kiun help"), token="")
    assert response.status_code == 401
    assert nothing_done(teams, teams.chat(staff), before)


def test_a_service_url_outside_the_allow_list_is_refused_before_the_token_is_read(teams: TeamsClient) -> None:
    """A valid token signed for that URL does not help: the bot's token would be sent there."""
    staff = teams.person()
    elsewhere = "https://attacker.example.com/teams/"
    activity = teams.activity(staff, teams.personal(staff), text="kiun help", serviceUrl=elsewhere)
    token, before = teams.auth.sign(elsewhere, app_id=APP_ID), stored(teams)
    assert teams.post(activity, token=token).status_code == 401
    assert nothing_done(teams, teams.chat(staff), before)


def test_a_body_that_is_not_json_gets_400(teams: TeamsClient) -> None:
    response = teams.http.post(f"{teams.url}/api/messages", content=b"not json", headers={"Authorization": "x"})
    assert response.status_code == 400


def test_the_same_activity_delivered_twice_is_answered_once(teams: TeamsClient) -> None:
    staff = teams.person()
    activity = teams.activity(staff, teams.personal(staff), text="kiun help")
    assert teams.post(activity).status_code == 200
    assert teams.post(activity).status_code == 200
    teams.posted(teams.chat(staff), 1)
    teams.say(staff, "ヘルプ")  # a later message is answered: the first activity's answer came once
    assert len(teams.connector.activities(teams.chat(staff))) == 2


def test_health_and_metrics(teams: TeamsClient) -> None:
    assert teams.http.get(f"{teams.url}/healthz").json() == {"status": "ok"}
    metrics = teams.http.get(f"{teams.url}/metrics").text
    assert "kiun_" in metrics
