"""The content feature's buttons: choose what an upload is, publish or discard a previewed version."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.actions import Action, Id, Key


class ChooseKind(Action):
    """「これは…です」: the kind of an upload kiun could not tell."""

    name: ClassVar[str] = "content_kind"
    upload: Id
    kind: Key


class Publish(Action):
    """公開: serve a previewed draft from now on."""

    name: ClassVar[str] = "content_publish"
    version: Id


class Discard(Action):
    """取り消し: drop a previewed draft."""

    name: ClassVar[str] = "content_discard"
    version: Id
