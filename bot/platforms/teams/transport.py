"""Posting replies to Teams through the Bot Connector, for the outbox and for answers after an invoke.

Addresses: a :class:`~bot.chat.address.User` is their 1:1 chat with kiun (opened with the stored member id and
tenant when none is stored; a refusal means the app is not installed for them: :class:`UnreachableError`); a
:class:`~bot.chat.address.Channel` is a conversation id (a channel ``19:…@thread.tacv2`` gets a new post); a
:class:`~bot.chat.address.Thread` is a reply in that post's thread (``…;messageid=<root>``).

Limits (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit): per conversation about
7 messages a second and 1,800 an hour, per app and tenant 50 a second. Kiun waits for the per-second ones itself,
answers the hourly one with a retry after the hour's oldest message, and turns Teams' 429/412/502/504 (and other
5xx) into :class:`TransientDeliveryError` with ``Retry-After``, so the outbox backs off with jitter. A timeout
after the request went out may have posted the message: :class:`UncertainDeliveryError`, never resent blindly.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque

import httpx
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams

from bot.app.core import Core
from bot.chat.address import Address, Channel, Conversation, Thread, User
from bot.chat.capabilities import Capabilities
from bot.chat.reply import Reply
from bot.delivery.outbox import (
    PermanentDeliveryError,
    TokenBucket,
    TransientDeliveryError,
    UncertainDeliveryError,
    UnreachableError,
)
from bot.platforms.teams import references
from bot.platforms.teams.cards import attachment, fit_card
from bot.platforms.teams.connector import Connector

log = logging.getLogger(__name__)

PLATFORM = "teams"
CAPABILITIES = Capabilities(
    ephemeral=False, home_view=False, modal_form=True, threads=True, file_upload=False, message_update=True
)
PER_CONVERSATION_PER_SECOND = 7
PER_CONVERSATION_PER_HOUR = 1800
PER_TENANT_PER_SECOND = 50.0
SEND_RATE = 40.0  # the outbox sender's pace: below the tenant's 50/s, leaving room for answers to requests
TRANSIENT_STATUSES = {408, 412, 429, 500, 502, 503, 504}


def user(user_id: str) -> User:
    return User(platform=PLATFORM, id=user_id)


def channel(conversation_id: str) -> Channel:
    return Channel(platform=PLATFORM, id=conversation_id)


def thread(conversation_id: str, root_id: str) -> Thread:
    return Thread(channel=channel(conversation_id), id=root_id)


def conversation(conversation_id: str, service_url: str) -> Conversation:
    """A stored reference as an address (JSON: the conversation id and its service URL)."""
    ref = json.dumps({"conversation": conversation_id, "service_url": service_url}, sort_keys=True)
    return Conversation(platform=PLATFORM, ref=ref)


def delivery_error(exc: Exception, *, posting: bool) -> Exception:
    """An SDK/HTTP failure as the outbox's error; ``posting``: the call creates a message (not idempotent). A
    ``PermissionError`` (a service URL outside the allow-list, no bot token) is permanent."""
    if isinstance(exc, PermissionError):
        return PermanentDeliveryError(str(exc))
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        if response.status_code in TRANSIENT_STATUSES or response.status_code == 401:
            return TransientDeliveryError(f"teams: HTTP {response.status_code}", _seconds(response))
        return PermanentDeliveryError(f"teams: HTTP {response.status_code}: {response.text[:200]}")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return TransientDeliveryError(f"teams: cannot connect: {exc}")
    if isinstance(exc, httpx.TimeoutException | TimeoutError) and posting:
        return UncertainDeliveryError(f"teams: no answer in time ({type(exc).__name__}); the message may be posted")
    return TransientDeliveryError(f"teams: {type(exc).__name__}: {exc}")


def _seconds(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


class _Pace:
    """Teams' per-conversation and per-tenant limits, waited for before each call (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self._tenant = TokenBucket(PER_TENANT_PER_SECOND, capacity=PER_TENANT_PER_SECOND)

    def wait(self, conversation_id: str) -> None:
        with self._lock:
            now = time.monotonic()
            sent = self._recent.setdefault(conversation_id, deque(maxlen=PER_CONVERSATION_PER_HOUR))
            if len(sent) == PER_CONVERSATION_PER_HOUR and now - sent[0] < 3600:
                raise TransientDeliveryError(
                    "teams: 1,800 messages this hour in one conversation", 3600 - (now - sent[0])
                )
            delay = self._tenant.reserve()
            if len(sent) >= PER_CONVERSATION_PER_SECOND:
                delay = max(delay, 1.0 - (now - sent[-PER_CONVERSATION_PER_SECOND]))
            sent.append(now + delay)
        if delay > 0:
            time.sleep(delay)


class TeamsTransport:
    """Implements the outbox's ``Transport`` over the Bot Connector (see the module doc)."""

    capabilities = CAPABILITIES
    platform = PLATFORM

    def __init__(self, core: Core, connector: Connector, lang: str = "ja") -> None:
        self.core, self.connector, self.lang = core, connector, lang
        self._pace = _Pace()

    def send(self, to: Address, reply: Reply) -> str:
        """Post ``reply`` to ``to``; returns the activity id Teams gave it."""
        target, service_url = self._resolve(to)
        self._pace.wait(target)
        activity = self.activity(reply)
        try:
            api = self.connector.api(service_url)
            sent = self.connector.call(api.conversations.create_activity(target, activity))
        except Exception as exc:
            raise delivery_error(exc, posting=True) from exc
        return sent.id

    def update(self, to: Address, ref: str, reply: Reply) -> str:
        """Replace the activity ``ref`` at ``to`` with ``reply`` (idempotent)."""
        target, service_url = self._resolve(to, root=True)
        self._pace.wait(target)
        try:
            api = self.connector.api(service_url)
            self.connector.call(api.conversations.update_activity(target, ref, self.activity(reply)))
        except Exception as exc:
            raise delivery_error(exc, posting=False) from exc
        return ref

    def activity(self, reply: Reply) -> MessageActivityInput:
        """The message activity for ``reply``: its summary as text (notifications) and the Adaptive Card."""
        card = fit_card(reply, self.lang)
        return MessageActivityInput.model_validate(
            {"type": "message", "text": reply.text[:1000], "attachments": [attachment(card)]}
        )

    def _resolve(self, to: Address, *, root: bool = False) -> tuple[str, str]:
        """The conversation id and service URL for ``to``; ``root``: a thread's own post, not a reply in it."""
        if isinstance(to, Conversation):
            ref = json.loads(to.ref)
            return ref["conversation"], ref["service_url"]
        if isinstance(to, Thread):
            conversation_id, service_url = self._resolve(to.channel)
            return (conversation_id if root else f"{conversation_id};messageid={to.id}"), service_url
        if isinstance(to, Channel):
            known = references.conversation(self.core, to.id)
            found = references.service_url_of(self.core, known)
            if not found:
                raise PermanentDeliveryError(f"teams: kiun is not installed in conversation {to.id}")
            return to.id, found
        return self._chat(to)

    def _chat(self, to: User) -> tuple[str, str]:
        """The person's 1:1 chat with kiun, opened (and stored) when none is known."""
        person = references.person(self.core, to.id)
        if person is None:
            raise UnreachableError(f"teams: {to.id} has not installed kiun and is in no team roster kiun has read")
        if person.chat_id:
            return person.chat_id, person.service_url
        tenant = person.tenant_id or self.core.settings.teams_tenant_id or ""
        params = CreateConversationParams.model_validate(
            {
                "isGroup": False,
                "bot": {"id": self.core.settings.teams_app_id or ""},
                "members": [{"id": person.member_id}],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}},
            }
        )
        self._pace.wait(f"create:{person.tenant_id}")
        try:
            created = self.connector.call(self.connector.api(person.service_url).conversations.create(params))
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code in (403, 404):
                references.set_chat(self.core, to.id, None, reachable=False)
                refused = f"teams: Teams refused a chat with {to.id}: the app is not installed for them"
                raise UnreachableError(refused) from exc
            raise delivery_error(exc, posting=False) from exc
        except Exception as exc:
            raise delivery_error(exc, posting=False) from exc  # creating a 1:1 chat again returns the same one
        references.set_chat(self.core, to.id, created.id)
        return created.id, person.service_url
