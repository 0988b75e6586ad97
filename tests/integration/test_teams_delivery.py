"""The Teams transport and the outbox against the Bot Connector stand-in: Teams' throttling (429 with
Retry-After, 412, 502, 504) retried, a timeout after the request went out marked unknown (never resent), people
the app is not installed for listed as unreachable, the bot's token cached until it expires, and the token never
sent to a service URL outside the allow-list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.chat.reply import Reply
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.delivery.models import OutboxMessage
from bot.delivery.outbox import PermanentDeliveryError, Sender, enqueue
from bot.models import TeamsPerson
from bot.platforms.teams import references
from bot.platforms.teams.connector import Connector
from bot.platforms.teams.references import Seen
from bot.platforms.teams.transport import TeamsTransport, conversation, user
from tests.integration.teams_harness import TeamsClient, wait_for


def row(teams: TeamsClient, key: str) -> OutboxMessage:
    with teams.core.sessions() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    assert found is not None
    return found


def queue(teams: TeamsClient, key: str, to, text: str = "お知らせです") -> None:
    with transaction(teams.core.sessions) as session:
        enqueue(session, key, to, Reply(text=text, ephemeral=False))


def known(teams: TeamsClient):
    """A person kiun has seen in the roster (so it can open their chat)."""
    person = teams.person()
    references.remember_members(teams.core, [person.member], "", teams.connector.service_url)
    return person


@pytest.mark.parametrize("status", [429, 412, 502, 504])
def test_throttling_and_gateway_errors_are_retried_later(teams: TeamsClient, status: int) -> None:
    staff = known(teams)
    queue(teams, "notice:1", user(staff.id))
    teams.connector.fail_next(status, count=1, retry_after=30 if status == 429 else None)
    assert teams.sender.drain() == 0
    waiting = row(teams, "notice:1")
    assert waiting.state == "pending" and f"HTTP {status}" in (waiting.last_error or "")
    if status == 429:  # never sooner than Teams asked
        assert waiting.next_attempt_at >= utcnow() + timedelta(seconds=29)
    with transaction(teams.core.sessions) as session:
        session.get(OutboxMessage, waiting.id).next_attempt_at = utcnow()
    assert Sender(teams.core, teams.sender.transport, 1000.0, platform="teams").drain() == 1
    assert row(teams, "notice:1").state == "sent"
    assert len(teams.connector.activities(teams.chat(staff))) == 1


def test_a_timeout_after_the_request_went_out_is_unknown_and_not_resent(teams: TeamsClient) -> None:
    staff = known(teams)
    teams.chat(staff)
    with transaction(teams.core.sessions) as session:  # the chat is open already: the post is the slow call
        session.get(TeamsPerson, staff.id).chat_id = teams.chat(staff)
    transport = TeamsTransport(teams.core, Connector(teams.core.settings, timeout=0.3))
    queue(teams, "notice:slow", user(staff.id))
    teams.connector.delay_next(1.5)
    assert Sender(teams.core, transport, 1000.0, platform="teams").drain() == 0
    assert row(teams, "notice:slow").state == "unknown"
    Sender(teams.core, transport, 1000.0, platform="teams").drain()
    assert len(teams.connector.activities(teams.chat(staff))) == 1  # posted once, by the call that timed out
    transport.connector.close()


def test_a_person_without_the_app_is_unreachable_and_listed(teams: TeamsClient) -> None:
    staff = teams.person(installed=False)
    references.remember_members(teams.core, [staff.member], "", teams.connector.service_url)
    queue(teams, "poll:9:" + staff.id, user(staff.id))
    assert teams.sender.drain() == 0
    failed = row(teams, "poll:9:" + staff.id)
    assert failed.state == "failed" and failed.last_error.startswith("unreachable:")
    assert [person.user_id for person in references.unreachable(teams.core)] == [staff.id]
    nobody = user("00000000-0000-0000-0000-00000000abcd")  # never seen anywhere
    queue(teams, "poll:9:nobody", nobody)
    teams.sender.drain()
    assert row(teams, "poll:9:nobody").last_error.startswith("unreachable:")


def test_the_bot_token_is_cached_until_it_expires(teams: TeamsClient, teams_login) -> None:
    staff = known(teams)
    teams.chat(staff)
    with freeze_time(tick=True) as clock:
        requests = teams_login.token_requests
        queue(teams, "a", user(staff.id))
        queue(teams, "b", user(staff.id))
        assert teams.sender.drain() == 2
        assert teams_login.token_requests - requests <= 1  # one token for both (none if cached from before)
        cached = teams_login.token_requests
        clock.move_to(utcnow() + timedelta(hours=2))
        queue(teams, "c", user(staff.id))
        assert teams.sender.drain() == 1
        assert teams_login.token_requests == cached + 1  # expired: asked again


def test_the_token_never_goes_to_a_service_url_outside_the_allow_list(teams: TeamsClient) -> None:
    transport = teams.sender.transport
    calls = len(teams.connector.calls)
    with pytest.raises(PermanentDeliveryError, match="TEAMS_SERVICE_URLS"):
        transport.send(conversation("19:x@thread.tacv2", "https://attacker.example.com/teams/"), Reply(text="x"))
    assert len(teams.connector.calls) == calls


def test_a_reply_teams_refuses_for_now_is_kept_and_sent_later(teams: TeamsClient) -> None:
    staff = teams.person()
    teams.chat(staff)
    teams.connector.fail_next(502)
    response = teams.post(teams.activity(staff, teams.personal(staff), text="kiun help"))
    assert response.status_code == 200

    def queued() -> bool:
        with teams.core.sessions() as session:
            reply = select(OutboxMessage.id).where(OutboxMessage.key.startswith("reply:teams:"))
            return session.scalar(reply) is not None

    wait_for(queued)
    with transaction(teams.core.sessions) as session:
        for pending in session.scalars(select(OutboxMessage)):
            pending.next_attempt_at = utcnow()
    teams.sender.drain()
    assert len(teams.connector.activities(teams.chat(staff))) == 1


def test_references_are_refreshed_from_each_activity(teams: TeamsClient) -> None:
    staff = teams.person()
    activity = teams.activity(staff, teams.personal(staff), text="x")
    references.remember(teams.core, Seen.of(activity))
    moved = {**activity, "serviceUrl": teams.connector.base_url + "/jp/"}
    references.remember(teams.core, Seen.of(moved))
    person = references.person(teams.core, staff.id)
    assert person is not None and person.service_url.endswith("/jp/") and person.chat_id == teams.chat(staff)


def test_the_poll_channels_roster_is_read_page_by_page_and_stored(teams: TeamsClient) -> None:
    roster = teams.connector.add_members(teams.team, 1_100)  # three pages of 500
    members = teams.core.directory.members(teams.team)
    assert {person["aadObjectId"] for person in roster} <= set(members)
    assert (
        len(teams.connector.calls_to("GET", "/pagedMembers")) + len(teams.connector.calls_to("GET", "/pagedmembers"))
        >= 3
    )
    stored = references.person(teams.core, roster[-1]["aadObjectId"])
    assert stored is not None and stored.member_id == roster[-1]["id"]
