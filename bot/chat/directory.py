"""Who is in a channel: the one platform question scheduled work may ask, behind a neutral protocol.

Jobs never call a platform directly (DESIGN §2); when a job needs the people of a channel (sending a poll to
every member of ``KIUN_POLL_CHANNEL``), it asks ``core.directory``, a :class:`Directory` that the process
wires in at start (Slack: ``bot.platforms.slack.directory``; console: ``bot.platforms.console.directory``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.app.config import ConfigError
from bot.app.core import Core


class DirectoryError(Exception):
    """The platform could not answer (network, rate limit after retries, missing scope)."""


@runtime_checkable
class Directory(Protocol):
    """Members of channels and whether an account is a person who can get messages."""

    def members(self, channel: str) -> list[str]:
        """Every member's user id (all pages); raises :class:`DirectoryError`."""
        ...

    def is_active_human(self, user_id: str) -> bool:
        """False for bots, apps and deactivated accounts; raises :class:`DirectoryError`."""
        ...


def directory_of(core: Core) -> Directory:
    """The process's directory, or a ConfigError saying how to get one."""
    if not isinstance(core.directory, Directory):
        raise ConfigError("SLACK_BOT_TOKEN is not set: kiun needs it to list the members of a channel")
    return core.directory


def active_members(directory: Directory, channel: str) -> list[str]:
    """The channel's members who are active people, in the platform's order, without repeats."""
    return [user for user in dict.fromkeys(directory.members(channel)) if directory.is_active_human(user)]
