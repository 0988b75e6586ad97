"""Registers the content feature's uploads and buttons with the router."""

from __future__ import annotations

from bot.chat.router import Router
from bot.features.content import upload
from bot.features.content.actions import ChooseKind, Discard, Publish


def register(router: Router) -> None:
    router.files(upload.receive)
    router.action(ChooseKind, upload.choose_kind)
    router.action(Publish, upload.publish)
    router.action(Discard, upload.discard)
