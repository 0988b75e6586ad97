"""Registers the content feature's commands, buttons and uploads with the router."""

from __future__ import annotations

from bot.chat.router import Router
from bot.features.content import admin


def register(router: Router) -> None:
    """``/kiun admin content`` (:mod:`.admin`); the upload flow registers here too."""
    admin.register(router)
