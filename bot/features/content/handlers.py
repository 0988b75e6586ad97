"""Registers the content feature's commands, buttons and uploads with the router."""

from __future__ import annotations

from bot.chat.router import Router


def register(router: Router) -> None:
    """Nothing yet: the upload flow and ``/kiun admin content`` register here."""
