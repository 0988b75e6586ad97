"""Addresses for tests that build requests and outbox rows by hand (the console's platform unless named)."""

from __future__ import annotations

from bot.chat.address import Channel, User


def as_user(user_id: str, platform: str = "console") -> User:
    return User(platform=platform, id=user_id)


def as_channel(channel_id: str, platform: str = "console") -> Channel:
    return Channel(platform=platform, id=channel_id)
