"""The Teams :class:`~bot.chat.directory.Directory`: a conversation's roster (``pagedmembers``, all pages).

Each member read is also stored as a reference (member id, tenant, service URL), so a poll can open a 1:1 chat
with people who never wrote to kiun, as long as the app is installed for them.
"""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.directory import DirectoryError
from bot.platforms.teams import references
from bot.platforms.teams.connector import Connector

PAGE_SIZE = 500  # Teams answers at most 500 members per page
BOT_ROLES = {"bot"}


class TeamsDirectory:
    def __init__(self, core: Core, connector: Connector) -> None:
        self.core, self.connector = core, connector
        self._bots: set[str] = set()

    def members(self, channel: str) -> list[str]:
        known = references.conversation(self.core, channel)
        service_url = references.service_url_of(self.core, known)
        if not service_url:
            raise DirectoryError(f"teams: kiun is not installed in conversation {channel}")
        roster = (known.team_id if known and known.team_id else None) or channel.split(";", 1)[0]
        tenant = (known.tenant_id if known else "") or self.core.settings.teams_tenant_id or ""
        users: list[str] = []
        token: str | None = None
        try:
            api = self.connector.api(service_url)
            while True:
                page = self.connector.call(api.conversations.get_paged_members(roster, PAGE_SIZE, token))
                members = [member.model_dump(by_alias=True, exclude_none=True) for member in page.members]
                references.remember_members(self.core, members, tenant, service_url)
                for member in page.members:
                    user_id = member.aad_object_id or member.id
                    if member.user_role in BOT_ROLES:
                        self._bots.add(user_id)
                    users.append(user_id)
                token = page.continuation_token
                if not token:
                    return users
        except Exception as exc:
            raise DirectoryError(f"teams: pagedmembers failed: {type(exc).__name__}: {exc}") from exc

    def is_active_human(self, user_id: str) -> bool:
        return user_id not in self._bots
