"""The console's :class:`~bot.chat.directory.Directory`: every channel's members are the console's people."""

from __future__ import annotations


class ConsoleDirectory:
    def __init__(self, users: list[str]) -> None:
        self.users = list(users)

    def members(self, channel: str) -> list[str]:
        return list(self.users)

    def is_active_human(self, user_id: str) -> bool:
        return user_id in self.users
