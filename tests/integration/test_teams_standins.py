"""The Teams stand-ins speak the real protocols: each is driven by the real SDK piece that talks to the service
(the SDK's inbound token validator, its ``ApiClient``, msal's client-credentials flow) over real HTTP(S)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import msal  # type: ignore[import-untyped]
import pytest
from freezegun import freeze_time
from microsoft_teams.api import ApiClient, JsonWebToken, TokenCredentials
from microsoft_teams.api.activities import MessageActivityInput
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.api.clients.conversation import CreateConversationParams
from microsoft_teams.api.models import Account, Attachment
from microsoft_teams.apps.auth import InboundActivityTokenValidator
from microsoft_teams.apps.token_manager import TokenManager
from microsoft_teams.common import ClientOptions

from tests.fakes.teams_auth import EXPIRED, FUTURE_NBF, GOOD_KID, KEYS_PATH, FakeBotAuth
from tests.fakes.teams_connector import FakeConnector
from tests.fakes.teams_login import APP_ID, APP_PASSWORD, TENANT_ID, FakeLogin

BOT_SCOPE = PUBLIC.bot_scope  # what ApiClient asks its token provider for


# -- inbound: Bot Framework's JWTs against the SDK's validator ----------------------------------------------


def validate(auth: FakeBotAuth, token: str, service_url: str) -> dict[str, Any]:
    cloud = with_overrides(PUBLIC, openid_metadata_url=auth.openid_metadata_url)
    return asyncio.run(InboundActivityTokenValidator(APP_ID, cloud=cloud).validate_token(token, service_url))


def test_the_sdk_accepts_a_good_token_reading_only_the_keys(teams_auth: FakeBotAuth) -> None:
    service_url = "https://smba.trafficmanager.net/jp/tenant/"
    teams_auth.reset()
    payload = validate(teams_auth, teams_auth.sign(service_url, app_id=APP_ID), service_url.rstrip("/"))
    assert payload["aud"] == APP_ID
    assert payload["iss"] == "https://api.botframework.com"
    assert payload["serviceurl"] == service_url
    assert teams_auth.fetches == [KEYS_PATH]  # the metadata URL is only the base of the JWKS address
    metadata = httpx.get(teams_auth.openid_metadata_url).json()
    assert metadata["jwks_uri"] == teams_auth.jwks_uri
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    [key] = httpx.get(teams_auth.jwks_uri).json()["keys"]
    assert key["kid"] == GOOD_KID
    assert key["endorsements"] == ["msteams"]


def test_an_expiry_inside_the_sdks_leeway_still_passes(teams_auth: FakeBotAuth) -> None:
    """Why EXPIRED and FUTURE_NBF are an hour off: the validator allows 300 s of clock skew."""
    url = "https://smba.trafficmanager.net/jp/tenant/"
    assert validate(teams_auth, teams_auth.sign(url, app_id=APP_ID, expires_in=-60), url)
    assert validate(teams_auth, teams_auth.sign(url, app_id=APP_ID, not_before=60), url)


@pytest.mark.parametrize(
    ("claims", "rejected_with"),
    [
        # An unknown kid fails in PyJWKClient, whose error is a PyJWTError but NOT an InvalidTokenError.
        ({"key": "other"}, jwt.PyJWKClientError),
        ({"key": "other", "kid": GOOD_KID}, jwt.InvalidSignatureError),
        ({"aud": "00000000-0000-0000-0000-000000000000"}, jwt.InvalidAudienceError),
        ({"iss": "https://api.botframework.example"}, jwt.InvalidIssuerError),
        ({"expires_in": EXPIRED}, jwt.ExpiredSignatureError),
        ({"not_before": FUTURE_NBF}, jwt.ImmatureSignatureError),
        ({"serviceurl": "https://evil.example/teams/"}, jwt.InvalidTokenError),
        ({"serviceurl": ""}, jwt.InvalidTokenError),
    ],
    ids=["wrong-key", "wrong-signature", "wrong-aud", "wrong-iss", "expired", "future-nbf", "serviceurl", "no-url"],
)
def test_the_sdk_rejects_bad_tokens(
    teams_auth: FakeBotAuth, claims: dict[str, Any], rejected_with: type[Exception]
) -> None:
    url = "https://smba.trafficmanager.net/jp/tenant/"
    token = teams_auth.sign(url, app_id=APP_ID, **claims)
    with pytest.raises(rejected_with):
        validate(teams_auth, token, url)


def test_the_sdk_rejects_a_missing_token(teams_auth: FakeBotAuth) -> None:
    with pytest.raises(jwt.InvalidTokenError, match="No token"):
        validate(teams_auth, "", "https://smba.trafficmanager.net/jp/tenant/")


# -- the token endpoint against msal ---------------------------------------------------------------------


def msal_app(login: FakeLogin, secret: str = APP_PASSWORD) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        APP_ID, client_credential=secret, authority=login.authority, instance_discovery=False
    )


def test_msal_gets_a_token_and_then_serves_it_from_its_cache(teams_login: FakeLogin) -> None:
    app = msal_app(teams_login)
    first = app.acquire_token_for_client([BOT_SCOPE])
    assert first["token_type"] == "Bearer"
    assert teams_login.valid(first["access_token"])
    assert jwt.decode(first["access_token"], options={"verify_signature": False})["appid"] == APP_ID
    [call] = [c for c in teams_login.calls if c.method == "POST"]
    assert call.path == f"/{TENANT_ID}/oauth2/v2.0/token"
    assert {k: call.form.get(k) for k in ("grant_type", "client_id", "client_secret", "scope")} == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": APP_PASSWORD,
        "scope": BOT_SCOPE,
    }
    second = app.acquire_token_for_client([BOT_SCOPE])
    assert second["access_token"] == first["access_token"]
    assert second["token_source"] == "cache"
    assert teams_login.token_requests == 1


def test_msal_asks_again_once_the_token_expired(teams_login: FakeLogin) -> None:
    start = datetime.now(UTC)
    with freeze_time(start, tick=True) as clock:
        app = msal_app(teams_login)
        first = app.acquire_token_for_client([BOT_SCOPE])["access_token"]
        clock.move_to(start + timedelta(hours=2))
        assert not teams_login.valid(first)
        second = app.acquire_token_for_client([BOT_SCOPE])["access_token"]
    assert second != first
    assert teams_login.token_requests == 2


def test_a_wrong_secret_is_refused_like_entra(teams_login: FakeLogin) -> None:
    result = msal_app(teams_login, secret="not-the-secret").acquire_token_for_client([BOT_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215:")
    assert "access_token" not in result
    assert teams_login.calls[-1].status == 401


def test_a_scope_without_default_is_refused(teams_login: FakeLogin) -> None:
    result = msal_app(teams_login).acquire_token_for_client(["https://api.botframework.com"])
    assert result["error"] == "invalid_scope"


def test_an_unknown_tenant_fails_discovery(teams_login: FakeLogin) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            APP_ID, client_credential=APP_PASSWORD, authority=f"{teams_login.base_url}/other", instance_discovery=False
        )


# -- the Bot Connector against the SDK's ApiClient -------------------------------------------------------


class MsalTokens:
    """ApiClient's token provider: msal's client-credentials flow against the login stand-in."""

    def __init__(self, login: FakeLogin) -> None:
        self.app = msal_app(login)

    async def get_app_token(self, scope: str, tenant_id: str | None = None) -> str:
        result = await asyncio.to_thread(self.app.acquire_token_for_client, [scope])
        return str(result["access_token"])


def test_the_sdks_token_manager_reads_the_logins_tokens_as_jwts(teams_login: FakeLogin) -> None:
    """App(client_id=…, token=provider) wraps what the provider returns in JsonWebToken, which parses it as a JWT:
    the stand-in's access tokens must be JWTs, as Entra's are."""
    manager = TokenManager(
        TokenCredentials(client_id=APP_ID, tenant_id=TENANT_ID, token=MsalTokens(teams_login).get_app_token)
    )
    token = asyncio.run(manager.get_bot_token())
    assert token is not None
    assert isinstance(token, JsonWebToken)
    assert token.app_id == APP_ID
    assert token.audience == "https://api.botframework.com"
    assert not token.is_expired()
    assert teams_login.valid(str(token))


def with_client(
    login: FakeLogin,
    connector: FakeConnector,
    scenario: Callable[[ApiClient], Awaitable[Any]],
    timeout: float | None = None,
) -> Any:
    """Run ``scenario`` with an ApiClient on the connector's service URL."""

    async def main() -> Any:
        options = ClientOptions(timeout=timeout) if timeout else None
        client = ApiClient(connector.service_url, options, token_provider=MsalTokens(login))
        try:
            return await scenario(client)
        finally:
            await client.http.http.aclose()

    return asyncio.run(main())


def card(text: str) -> Attachment:
    content = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text}]}
    return Attachment(content_type="application/vnd.microsoft.card.adaptive", content=content)


def test_a_1_to_1_conversation_with_a_card_sent_replied_updated_and_deleted(
    teams_login: FakeLogin, teams_connector: FakeConnector
) -> None:
    team = teams_connector.add_team()
    [member] = teams_connector.add_members(team, 1)

    async def scenario(client: ApiClient) -> tuple[str, str, str, str]:
        params = CreateConversationParams(members=[Account(id=member["id"])], tenant_id=TENANT_ID)
        conversation = await client.conversations.create(params)
        again = await client.conversations.create(params)
        sent = await client.conversations.create_activity(
            conversation.id, MessageActivityInput(text="投票").add_attachments(card("賛成 0"))
        )
        await client.conversations.update_activity(
            conversation.id, sent.id, MessageActivityInput().add_attachments(card("賛成 1"))
        )
        reply = await client.conversations.reply_to_activity(conversation.id, sent.id, MessageActivityInput(text="済"))
        await client.conversations.delete_activity(conversation.id, reply.id)
        return conversation.id, again.id, sent.id, reply.id

    conversation_id, again, sent_id, reply_id = with_client(teams_login, teams_connector, scenario)
    assert conversation_id == again == teams_connector.personal_conversation(member["id"])
    assert conversation_id.startswith("a:")
    [activity] = teams_connector.activities(conversation_id)
    assert activity["id"] == sent_id
    assert "text" not in activity  # the update replaced the activity
    assert activity["attachments"][0]["content"]["body"][0]["text"] == "賛成 1"
    assert teams_connector.activity(conversation_id, reply_id) is None
    [reply] = teams_connector.calls_to("POST", "/activities")[-1:]
    assert reply.json["replyToId"] == sent_id
    assert [(c.method, c.status) for c in teams_connector.calls] == [
        ("POST", 201),
        ("POST", 201),
        ("POST", 201),
        ("PUT", 200),
        ("POST", 201),
        ("DELETE", 200),
    ]
    assert {c.prefix for c in teams_connector.calls} == {"/teams"}
    assert all(teams_login.valid(c.headers["Authorization"].removeprefix("Bearer ")) for c in teams_connector.calls)
    assert teams_login.token_requests == 1  # msal's cache served the later calls


def test_a_member_without_the_app_cannot_be_reached(teams_login: FakeLogin, teams_connector: FakeConnector) -> None:
    team = teams_connector.add_team()
    [member] = teams_connector.add_members(team, 1, installed=False)

    async def scenario(client: ApiClient) -> Any:
        params = CreateConversationParams(members=[Account(id=member["id"])], tenant_id=TENANT_ID)
        return await client.conversations.create(params)

    with pytest.raises(httpx.HTTPStatusError) as failure:
        with_client(teams_login, teams_connector, scenario)
    assert failure.value.response.status_code == 403
    assert failure.value.response.json()["error"] == {
        "code": "BotNotInConversationRoster",
        "message": "The bot is not part of the conversation roster.",
    }


def test_the_roster_comes_in_pages_and_the_team_lists_its_channels(
    teams_login: FakeLogin, teams_connector: FakeConnector
) -> None:
    team = teams_connector.add_team("市民課", channels=("お知らせ",))
    members = teams_connector.add_members(team, 3)

    async def scenario(client: ApiClient) -> tuple[Any, ...]:
        first = await client.conversations.get_paged_members(team, page_size=2)
        second = await client.conversations.get_paged_members(team, 2, first.continuation_token)
        one = await client.conversations.get_member_by_id(team, members[1]["id"])
        channels = await client.teams.get_conversations(team)
        details = await client.teams.get_by_id(team)
        return first, second, one, channels, details

    first, second, one, channels, details = with_client(teams_login, teams_connector, scenario)
    assert [m.id for m in first.members] == [m["id"] for m in members[:2]]
    assert first.continuation_token
    assert [m.aad_object_id for m in second.members] == [members[2]["aadObjectId"]]
    assert second.continuation_token is None
    assert one.name == members[1]["name"]
    assert [(c.id, c.name) for c in channels] == list(teams_connector.channels(team).items())
    assert channels[0].id == team and channels[0].name is None  # the General channel, named by Teams' clients
    assert details.name == "市民課"
    assert teams_connector.calls[0].path == f"/v3/conversations/{team}/pagedMembers"  # the SDK's spelling
    assert teams_connector.calls[0].query == {"pageSize": "2"}


@pytest.mark.parametrize(
    ("status", "code"), [(429, "Throttled"), (412, "PreconditionFailed"), (502, "ServiceError"), (504, None)]
)
def test_a_fault_reaches_the_caller_with_its_retry_after(
    teams_login: FakeLogin, teams_connector: FakeConnector, status: int, code: str | None
) -> None:
    channel = teams_connector.add_team()
    teams_connector.fail_next(status, retry_after=7 if status == 429 else None)

    async def scenario(client: ApiClient) -> list[Any]:
        outcomes: list[Any] = []
        for text in ("一回目", "二回目"):
            try:
                outcomes.append(await client.conversations.create_activity(channel, MessageActivityInput(text=text)))
            except httpx.HTTPStatusError as e:
                outcomes.append(e.response)
        return outcomes

    failed, sent = with_client(teams_login, teams_connector, scenario)
    assert failed.status_code == status
    assert failed.headers.get("Retry-After") == ("7" if status == 429 else None)
    assert (failed.json()["error"]["code"] if failed.content else None) == code
    assert [a["text"] for a in teams_connector.activities(channel)] == ["二回目"]
    assert sent.id == teams_connector.activities(channel)[0]["id"]
    assert len(teams_connector.calls) == 2  # the SDK does not retry on its own


def test_a_delayed_answer_times_the_client_out_after_the_work_was_done(
    teams_login: FakeLogin, teams_connector: FakeConnector
) -> None:
    channel = teams_connector.add_team()
    teams_connector.delay_next(0.5)

    async def scenario(client: ApiClient) -> Any:
        return await client.conversations.create_activity(channel, MessageActivityInput(text="届いた?"))

    with pytest.raises(httpx.ReadTimeout):
        with_client(teams_login, teams_connector, scenario, timeout=0.1)
    assert [a["text"] for a in teams_connector.activities(channel)] == ["届いた?"]


def test_a_message_over_the_size_limit_is_refused(teams_login: FakeLogin, teams_connector: FakeConnector) -> None:
    channel = teams_connector.add_team()

    async def scenario(client: ApiClient) -> Any:
        await client.conversations.create_activity(channel, MessageActivityInput(text="あ" * 10_000))
        return await client.conversations.create_activity(channel, MessageActivityInput(text="あ" * 15_000))

    with pytest.raises(httpx.HTTPStatusError) as failure:
        with_client(teams_login, teams_connector, scenario)
    assert failure.value.response.status_code == 413
    assert failure.value.response.json()["error"]["code"] == "MessageSizeTooBig"
    assert len(teams_connector.activities(channel)) == 1


def test_calls_without_a_token_from_the_login_are_refused(
    teams_auth: FakeBotAuth, teams_connector: FakeConnector
) -> None:
    channel = teams_connector.add_team()
    url = f"{teams_connector.service_url}v3/conversations/{channel}/activities"
    forged = teams_auth.sign(teams_connector.service_url, app_id=APP_ID)
    for headers in ({}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Basic eDp5"}):
        answer = httpx.post(url, json={"type": "message", "text": "x"}, headers=headers)
        assert answer.status_code == 401
    assert teams_connector.activities(channel) == []


def test_unknown_conversations_and_activities_are_not_found(
    teams_login: FakeLogin, teams_connector: FakeConnector
) -> None:
    channel = teams_connector.add_team()

    async def scenario(client: ApiClient) -> list[dict[str, Any]]:
        errors = []
        for call in (
            client.conversations.create_activity("19:nothing@thread.tacv2", MessageActivityInput(text="x")),
            client.conversations.update_activity(channel, "1", MessageActivityInput(text="x")),
            client.conversations.delete_activity(channel, "1"),
        ):
            try:
                await call
            except httpx.HTTPStatusError as e:
                errors.append({"status": e.response.status_code, **e.response.json()["error"]})
        return errors

    errors = with_client(teams_login, teams_connector, scenario)
    assert [(e["status"], e["code"]) for e in errors] == [
        (404, "ConversationNotFound"),
        (404, "ActivityNotFoundInConversation"),
        (404, "ActivityNotFoundInConversation"),
    ]


def test_the_benchmark_pattern_is_deterministic(teams_login: FakeLogin, teams_connector: FakeConnector) -> None:
    def run() -> tuple[list[int], dict[int, int]]:
        teams_connector.reset()
        channel = teams_connector.add_team()
        pattern = teams_connector.pattern(every_nth=5, status=429, retry_after=0.5, random_5xx=0.25, seed=3)

        async def scenario(client: ApiClient) -> None:
            for n in range(20):
                try:
                    await client.conversations.create_activity(channel, MessageActivityInput(text=str(n)))
                except httpx.HTTPStatusError as e:
                    assert e.response.status_code != 429 or e.response.headers["Retry-After"] == "0.5"

        with_client(teams_login, teams_connector, scenario)
        return [c.status for c in teams_connector.calls], pattern.counts

    statuses, counts = run()
    assert statuses == run()[0]
    assert [s for s in statuses[4::5]] == [429] * 4
    assert counts[429] == 4 and counts.get(502, 0) + counts.get(504, 0) > 0
    assert statuses.count(201) == 20 - sum(counts.values())


def test_a_token_for_another_resource_is_refused(teams_login: FakeLogin, teams_connector: FakeConnector) -> None:
    channel = teams_connector.add_team()
    graph = msal_app(teams_login).acquire_token_for_client([PUBLIC.graph_scope])["access_token"]
    assert teams_login.valid(graph)
    answer = httpx.post(
        f"{teams_connector.service_url}v3/conversations/{channel}/activities",
        json={"type": "message", "text": "x"},
        headers={"Authorization": f"Bearer {graph}"},
    )
    assert answer.status_code == 401
