"""The real kiun Teams server (the Teams SDK app on uvicorn) on 127.0.0.1, fed activities signed like Bot Framework's.

``teams`` starts :class:`~bot.platforms.teams.server.TeamsServer` with settings pointing at the stand-ins (JWT keys,
Entra ID token endpoint, Bot Connector); :class:`TeamsClient` builds activities as Teams sends them (a 1:1 message,
a channel @mention, ``adaptiveCard/action``, ``task/fetch``, ``task/submit``, ``installationUpdate``), signs them and
posts them to ``/api/messages``. Everything kiun posts is read back from the connector stand-in.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bot.app.config import Settings
from bot.app.core import Core
from bot.delivery.deferred import Runner
from bot.delivery.outbox import Sender
from bot.features import build_router
from bot.platforms.teams.server import TeamsServer
from tests.conftest import _truncate, make_settings
from tests.fakes.teams_auth import FakeBotAuth
from tests.fakes.teams_connector import Conversation, FakeConnector
from tests.fakes.teams_login import APP_ID, APP_PASSWORD, TENANT_ID, FakeLogin

ADMIN_AAD = "0b9e3c1d-5f2a-4b6c-8d7e-1a2b3c4d5e6f"
BOT_ID = f"28:{APP_ID}"
TEAM = "19:kiuntestgeneral@thread.tacv2"  # the team's General channel: lessons, ideas and polls go there


def teams_settings(
    database_url: str, auth: FakeBotAuth, login: FakeLogin, connector: FakeConnector, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": "",
        "KIUN_ADMINS": ADMIN_AAD,
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_TENANT_ID": TENANT_ID,
        "TEAMS_OPENID_METADATA_URL": auth.openid_metadata_url,
        "TEAMS_LOGIN_URL": login.base_url,
        "TEAMS_SERVICE_URLS": connector.base_url + "/",
        "KIUN_LESSON_CHANNEL": TEAM,
        "KIUN_IDEAS_CHANNEL": TEAM,
        "KIUN_POLL_CHANNEL": TEAM,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


@dataclass
class Person:
    """A member of the connector's roster, as a Teams client would name them in activities."""

    member: dict[str, Any]

    @property
    def id(self) -> str:
        return self.member["aadObjectId"]

    @property
    def member_id(self) -> str:
        return self.member["id"]


@dataclass
class TeamsClient:
    """Sends activities to kiun as Teams does and reads what kiun posted."""

    url: str
    auth: FakeBotAuth
    connector: FakeConnector
    core: Core
    sender: Sender
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    # -- people and places ---------------------------------------------------------------------------
    def person(self, team: str | None = None, installed: bool = True, aad: str | None = None) -> Person:
        member = self.connector.add_members(team or self.team, 1, installed=installed)[0]
        if aad is not None:  # a known Entra id (an admin)
            self.connector.members.pop(member["id"])
            member = member | {"aadObjectId": aad}
            self.connector.members[member["id"]] = member
        return Person(member)

    team: str = TEAM

    def chat(self, person: Person) -> str:
        """The person's 1:1 chat with kiun (it exists on Teams' side once they write to kiun)."""
        chat_id = self.connector.personal_conversation(person.member_id)
        with self.connector._lock:
            self.connector.conversations.setdefault(
                chat_id, Conversation(chat_id, "personal", member_id=person.member_id)
            )
        return chat_id

    # -- activities ----------------------------------------------------------------------------------
    def activity(self, person: Person, conversation: dict[str, Any], **fields: Any) -> dict[str, Any]:
        channel_data: dict[str, Any] = {"tenant": {"id": TENANT_ID}}
        if conversation.get("conversationType") == "channel":
            channel_data |= {"team": {"id": self.team}, "channel": {"id": conversation["id"].split(";")[0]}}
        return {
            "type": "message",
            "id": str(int(time.time() * 1000)) + uuid.uuid4().hex[:6],
            "timestamp": "2026-12-02T09:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.connector.service_url,
            "from": {"id": person.member_id, "name": person.member["name"], "aadObjectId": person.id},
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": "kiun"},
            "channelData": channel_data,
            "locale": "ja-JP",
            **fields,
        }

    def personal(self, person: Person) -> dict[str, Any]:
        return {"id": self.chat(person), "conversationType": "personal", "tenantId": TENANT_ID}

    def in_channel(self, channel: str | None = None, root: str | None = None) -> dict[str, Any]:
        conversation_id = channel or self.team
        if root:
            conversation_id = f"{conversation_id};messageid={root}"
        return {"id": conversation_id, "conversationType": "channel", "tenantId": TENANT_ID, "isGroup": True}

    def post(self, activity: dict[str, Any], token: str | None = None, **sign: Any) -> httpx.Response:
        """POST ``activity`` to /api/messages with a Bot Framework token (``sign``: the token's deviations)."""
        if token is None:
            token = self.auth.sign(activity.get("serviceUrl") or "", app_id=APP_ID, **sign)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(f"{self.url}/api/messages", json=activity, headers=headers)

    def say(self, person: Person, text: str) -> dict[str, Any]:
        """A message in the person's 1:1 chat with kiun; returns kiun's answer there (it answers every message,
        after the HTTP response)."""
        chat = self.chat(person)
        before = len(self.connector.activities(chat))
        response = self.post(self.activity(person, self.personal(person), text=text))
        assert response.status_code in (200, 201, 202), response.text
        return self.posted(chat, before + 1)[before]

    def mention(self, person: Person, text: str, channel: str | None = None) -> httpx.Response:
        """``@kiun text`` as a new post in a channel."""
        entity = {"type": "mention", "text": "<at>kiun</at>", "mentioned": {"id": BOT_ID, "name": "kiun"}}
        activity = self.activity(person, self.in_channel(channel), text=f"<at>kiun</at> {text}", entities=[entity])
        return self.post(activity)

    def press(self, person: Person, button: dict[str, Any], conversation: dict[str, Any], reply_to: str) -> Any:
        """Press an ``Action.Execute`` button of a card kiun posted as activity ``reply_to``; the invoke's body."""
        value = {"action": {"type": "Action.Execute", "verb": button.get("verb"), "data": button.get("data")}}
        activity = self.activity(
            person, conversation, type="invoke", name="adaptiveCard/action", value=value, replyToId=reply_to
        )
        response = self.post(activity)
        assert response.status_code == 200, response.text
        return response.json()

    def open_dialog(self, person: Person, data: dict[str, Any], conversation: dict[str, Any]) -> Any:
        activity = self.activity(person, conversation, type="invoke", name="task/fetch", value={"data": data})
        response = self.post(activity)
        assert response.status_code == 200, response.text
        return response.json()

    def submit_dialog(self, person: Person, data: dict[str, Any], conversation: dict[str, Any]) -> httpx.Response:
        activity = self.activity(person, conversation, type="invoke", name="task/submit", value={"data": data})
        response = self.post(activity)
        assert response.status_code == 200, response.text
        return response

    def add_to_team(self, by: Person) -> httpx.Response:
        """Someone adds kiun to the team (Teams sends a conversationUpdate with the bot among the members added)."""
        activity = self.activity(
            by,
            self.in_channel(),
            type="conversationUpdate",
            membersAdded=[{"id": BOT_ID}],
            channelData={"tenant": {"id": TENANT_ID}, "team": {"id": self.team}, "eventType": "teamMemberAdded"},
        )
        return self.post(activity)

    def install(self, person: Person) -> httpx.Response:
        activity = self.activity(person, self.personal(person), type="installationUpdate", action="add")
        return self.post(activity)

    # -- what kiun posted ----------------------------------------------------------------------------
    def deliver(self) -> int:
        """Run the deferred work that is due and send what kiun queued in the outbox (as the workers would)."""
        Runner(self.core).run_due()
        return self.sender.drain()

    def posted(self, conversation_id: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The activities kiun posted in a conversation, once there are at least ``count`` (kiun answers messages
        after the HTTP response, on its pools)."""
        return wait_for(lambda: _at_least(self.connector.activities(conversation_id), count), timeout)


def _at_least(items: list[dict[str, Any]], count: int) -> list[dict[str, Any]] | None:
    return items if len(items) >= count else None


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """``check()``'s first truthy result, polling in real time (the server answers on its own threads)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card an activity carries."""
    attachments = activity.get("attachments") or []
    assert attachments and attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive", activity
    return attachments[0]["content"]


def card_text(card: dict[str, Any]) -> str:
    """Every text of a card (TextBlocks, facts, button titles), one per line."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    texts.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in card.items() if key != "msteams"})
    return "\n".join(texts)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of a card, in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    matches = [action for action in buttons(card) if title in str(action.get("title", ""))]
    assert matches, f"no button {title!r} in {[b.get('title') for b in buttons(card)]}"
    return matches[0]


@pytest.fixture
def teams(
    database_url: str, teams_auth: FakeBotAuth, teams_login: FakeLogin, teams_connector: FakeConnector
) -> Iterator[TeamsClient]:
    """kiun serving Teams on a free port (no workers: ``deliver()`` sends the outbox in the test's thread)."""
    settings = teams_settings(database_url, teams_auth, teams_login, teams_connector)
    core = Core.create(settings)
    _truncate(core)
    server = TeamsServer(core, build_router(), "127.0.0.1", 0, worker=False).start()
    teams_connector.add_members(TEAM, 0)  # the team kiun is installed in
    sender = Sender(core, server.transport, 1000.0, platform="teams")
    client = TeamsClient(server.url, teams_auth, teams_connector, core, sender)
    assert client.add_to_team(client.person()).status_code == 200
    try:
        yield client
    finally:
        client.http.close()
        server.stop()
        _truncate(core)
        core.close()
