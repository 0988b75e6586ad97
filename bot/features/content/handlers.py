"""Registers the content feature's uploads and buttons with the router."""

from __future__ import annotations

from bot.chat.router import Router
from bot.features.content import admin, upload
from bot.features.content.actions import ChooseKind, Discard, Publish


def register(router: Router) -> None:
    """Uploads and their preview buttons (:mod:`.upload`), ``/kiun admin content`` (:mod:`.admin`)."""
    router.files(upload.receive)
    router.action(ChooseKind, upload.choose_kind)
    router.action(Publish, upload.publish)
    router.action(Discard, upload.discard)
    admin.register(router)
