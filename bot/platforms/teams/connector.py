"""Calls to the Bot Connector (the Teams SDK's ``ApiClient``) from kiun's synchronous threads.

The SDK is asynchronous; kiun's core and outbox sender are threads. :class:`Connector` owns an event loop in a
thread of its own and runs each SDK call there (:meth:`Connector.call`), so neither the web server's loop nor the
caller's thread is an event loop that blocks. The bot's token comes from Entra ID by the client-credentials flow
(msal, cached until it expires); it is only ever sent to a service URL inside ``TEAMS_SERVICE_URLS``
(:func:`allowed`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from microsoft_teams.api import ApiClient, TokenCredentials
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
from microsoft_teams.apps.token_manager import TokenManager
from microsoft_teams.apps.token_provider import AppTokenProvider
from microsoft_teams.common import ClientOptions
from msal import ConfidentialClientApplication

from bot.app.config import Settings

T = TypeVar("T")

CALL_TIMEOUT_SECONDS = 15.0  # one Bot Connector call (Teams itself gives a bot 15 s to answer)


def cloud(settings: Settings) -> CloudEnvironment:
    """Microsoft's public cloud with the endpoints kiun's settings override (tests, sovereign clouds)."""
    return with_overrides(
        PUBLIC,
        openid_metadata_url=settings.teams_openid_metadata_url,
        login_endpoint=settings.teams_login_url.rstrip("/"),
    )


def allowed(settings: Settings, service_url: str | None) -> bool:
    """Whether ``service_url`` is inside the ``TEAMS_SERVICE_URLS`` allow-list (the bot's token may go there)."""
    if not service_url:
        return False
    url = service_url.lower()
    return any(url.startswith(prefix.lower()) for prefix in settings.teams_service_urls)


class BotToken:
    """The bot's app-only token from Entra ID (client credentials), through msal, which caches it until it
    expires and asks again after. Instance discovery is skipped when ``TEAMS_LOGIN_URL`` is not Microsoft's own
    (a sovereign cloud, or a test's stand-in)."""

    def __init__(self, settings: Settings) -> None:
        login = settings.teams_login_url.rstrip("/")
        self._app = ConfidentialClientApplication(
            settings.teams_app_id or "",
            client_credential=settings.teams_app_password.get_secret_value() if settings.teams_app_password else None,
            authority=f"{login}/{settings.teams_tenant_id}",
            instance_discovery=None if login == PUBLIC.login_endpoint else False,
        )
        self._lock = threading.Lock()

    def acquire(self, scope: str) -> str:
        with self._lock:  # msal's cache is shared; one request for a new token at a time
            result = self._app.acquire_token_for_client([scope])
        token = result.get("access_token")
        if not token:
            raise PermissionError(f"teams: no bot token: {result.get('error')}: {result.get('error_description')}")
        return str(token)

    async def __call__(self, scope: str, tenant_id: str | None = None) -> str:
        return await asyncio.to_thread(self.acquire, scope)


class Connector:
    """The SDK's API clients (one per service URL) on a private event loop; :meth:`call` runs one coroutine."""

    def __init__(self, settings: Settings, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
        self.settings, self.timeout = settings, timeout
        self.cloud = cloud(settings)
        credentials = TokenCredentials(
            client_id=settings.teams_app_id or "", tenant_id=settings.teams_tenant_id, token=BotToken(settings)
        )
        self._tokens = AppTokenProvider(TokenManager(credentials=credentials, cloud=self.cloud), self.cloud)
        self._clients: dict[str, ApiClient] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kiun-teams-connector", daemon=True)
        self._thread.start()

    def api(self, service_url: str) -> ApiClient:
        """The API client for ``service_url``; refuses one outside the allow-list (the token would go there)."""
        if not allowed(self.settings, service_url):
            raise PermissionError(f"teams: service URL {service_url!r} is not in TEAMS_SERVICE_URLS")
        key = service_url.rstrip("/")
        client = self._clients.get(key)
        if client is None:
            options = ClientOptions(timeout=self.timeout)
            client = ApiClient(key, options, cloud=self.cloud, token_provider=self._tokens)
            self._clients[key] = client
        return client

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the connector's loop and wait for its result (or its exception)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self.timeout * 2 + 5)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
