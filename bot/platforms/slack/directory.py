"""The Slack :class:`~bot.chat.directory.Directory`: ``conversations.members`` (paginated) and ``users.info``.

Needs the ``channels:read`` scope (``groups:read`` for a private channel) and ``users:read``.
"""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat.directory import DirectoryError

PAGE_SIZE = 200  # Slack recommends at most 200 per page
SLACKBOT = "USLACKBOT"


class SlackDirectory:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def members(self, channel: str) -> list[str]:
        members: list[str] = []
        cursor = None
        try:
            while True:
                page = self.client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
                members += page.get("members") or []
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return members
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise DirectoryError(f"slack: conversations.members failed: {_reason(exc)}") from exc

    def is_active_human(self, user_id: str) -> bool:
        if user_id == SLACKBOT:
            return False
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise DirectoryError(f"slack: users.info failed: {_reason(exc)}") from exc
        return not (user.get("deleted") or user.get("is_bot") or user.get("is_app_user"))


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__
