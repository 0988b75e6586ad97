"""The help button."""

from __future__ import annotations

from bot.chat.actions import Action


class HelpButton(Action):
    """Show ``/kiun help``."""

    name = "kiun_help"
