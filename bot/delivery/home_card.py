"""Keeping a person's home current when something they see there changes (``Core.home_changed``).

The platform's :class:`~bot.chat.capabilities.Capabilities` decide how, here and nowhere else: a platform with a
home view republishes it (its own ``publish_view``, e.g. Slack's ``views.publish``); one without a home view but
with message edits gets a personal home card, posted once to the person's direct messages through the outbox
and then edited in place; a platform with neither shows the home only when asked (``/kiun home``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.app.core import Core
from bot.chat.address import User
from bot.chat.capabilities import Capabilities
from bot.chat.request import Request
from bot.chat.router import Router
from bot.db.session import transaction
from bot.delivery.outbox import enqueue


class HomeCard:
    """A ``Core.on_home_changed`` callback that posts or edits a person's home card through the outbox."""

    def __init__(self, core: Core, router: Router, platform: str) -> None:
        self.core, self.router, self.platform = core, router, platform

    def __call__(self, user_id: str) -> None:
        person = User(platform=self.platform, id=user_id)
        lang, is_admin = self.core.settings.kiun_locale, self.core.is_admin(user_id)
        request = Request(person, kind="command", is_admin=is_admin, lang=lang, command="home")
        reply = self.router.dispatch(self.core, request).model_copy(update={"ephemeral": False})
        key = f"home-card:{self.platform}:{user_id}"
        with transaction(self.core.sessions) as session:
            if not enqueue(session, key, person, reply):  # posted before: edit it (the newest edit wins)
                enqueue(session, f"{key}:{uuid.uuid4().hex[:12]}", person, reply, replaces=key)


def install_home_refresh(
    core: Core,
    router: Router,
    platform: str,
    capabilities: Capabilities,
    publish_view: Callable[[str], None] | None = None,
) -> Callable[[str], None] | None:
    """Register on ``core`` what keeps homes current on ``platform`` (see the module doc); returns it."""
    if capabilities.home_view:
        refresh = publish_view
    elif capabilities.message_update:
        refresh = HomeCard(core, router, platform)
    else:
        refresh = None
    if refresh is not None:
        core.on_home_changed.append(refresh)
    return refresh
