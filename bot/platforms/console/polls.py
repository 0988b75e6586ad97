"""What polls need on the console: a directory (the console's person is every channel's only member) and, when
``KIUN_SECRET_KEY`` is not set, a trial key derived from the database URL (said so on screen)."""

from __future__ import annotations

import hashlib

from bot.app.core import Core
from bot.chat.i18n import t
from bot.platforms.console.directory import ConsoleDirectory


def prepare_polls(core: Core, user_id: str) -> list[str]:
    """Wire the console directory in; returns notices to show (the trial key)."""
    core.directory = ConsoleDirectory([user_id])
    if not core.settings.kiun_poll_channel:
        core.settings.kiun_poll_channel = "console"
    if core.settings.kiun_secret_key:
        return []
    digest = hashlib.sha256(f"kiun-console-trial:{core.settings.database_url}".encode()).hexdigest()
    core.settings.kiun_secret_key = digest
    return [t("poll.console_key", core.settings.kiun_locale)]
