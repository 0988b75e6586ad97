"""Keeping Slack's App Home current: when something a person sees there changes (``Core.home_changed``: their
idea moved on, they answered a poll or a quiz), publish their Home view again with ``views.publish``.

Publishing runs on the listener pool, never in the request that caused it (a modal must be acked within
3 seconds). Changes for one person that arrive while a refresh is waiting are folded into that refresh. A
failure is logged and dropped: the view is rebuilt anyway the next time the person opens the Home tab.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor

from slack_sdk import WebClient

from bot.app.core import Core
from bot.chat.request import Request
from bot.chat.router import Router
from bot.delivery import home_card
from bot.platforms.slack.blocks import home_view
from bot.platforms.slack.transport import CAPABILITIES, PLATFORM, user

log = logging.getLogger(__name__)


class HomePublisher:
    """A ``Core.on_home_changed`` callback that republishes a person's Home tab in the background."""

    def __init__(self, core: Core, router: Router, client: WebClient, executor: Executor) -> None:
        self.core, self.router, self.client, self.executor = core, router, client, executor
        self.lang = core.settings.kiun_locale
        self._waiting: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> None:
        with self._lock:
            if user_id in self._waiting:
                return
            self._waiting.add(user_id)
        try:
            self.executor.submit(self.publish, user_id)
        except RuntimeError:  # the pool is shutting down: the next opening of the tab shows the change
            with self._lock:
                self._waiting.discard(user_id)

    def publish(self, user_id: str) -> None:
        with self._lock:
            self._waiting.discard(user_id)
        is_admin = self.core.is_admin(user_id)
        request = Request(user(user_id), kind="command", is_admin=is_admin, lang=self.lang, command="home")
        try:
            reply = self.router.dispatch(self.core, request)
            self.client.views_publish(user_id=user_id, view=home_view(reply, self.lang))
        except Exception:  # noqa: BLE001 - see the module doc
            log.warning("slack: could not refresh the Home tab of %s", user_id, exc_info=True)


def install_home_refresh(core: Core, router: Router, client: WebClient, executor: Executor) -> HomePublisher:
    """Register a :class:`HomePublisher` on ``core`` (Slack has a home view: see bot.delivery.home_card)."""
    publisher = HomePublisher(core, router, client, executor)
    home_card.install_home_refresh(core, router, PLATFORM, CAPABILITIES, publisher)
    return publisher
