"""The router: maps commands, actions, forms and messages to the features' handlers.

A platform builds a :class:`~bot.chat.request.Request` and asks the router; each feature has ``register(router)``
and :func:`bot.features.build_router` wires them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request, without_nul

log = logging.getLogger(__name__)


Handler = Callable[[Core, Request], Reply]
ThreadHandler = Callable[[Core, Request], Reply | None]


class Router:
    """Maps commands, action-id prefixes, form callback ids and plain messages to handlers."""

    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.actions: list[tuple[str, Handler]] = []
        self.forms: dict[str, Handler] = {}
        self.admin_commands: dict[str, Handler] = {}
        self.subcommands: dict[str, Handler] = {}
        self.thread_handlers: list[ThreadHandler] = []
        self.message_handler: Handler | None = None

    def command(self, name: str, handler: Handler) -> None:
        self.commands[name] = handler

    def action(self, prefix: str, handler: Handler) -> None:
        self.actions.append((prefix, handler))

    def form(self, callback_id: str, handler: Handler) -> None:
        self.forms[callback_id] = handler

    def admin(self, word: str, handler: Handler) -> None:
        """Register ``/kiun admin <word> …``; the handler gets the request with ``text`` after ``<word>``.

        Only admins reach it (``/kiun admin`` refuses others first)."""
        self.admin_commands[word] = handler

    def subcommand(self, word: str, handler: Handler) -> None:
        """Register ``/kiun <word> …`` for everyone; the handler gets the request with ``text`` after ``<word>``."""
        self.subcommands[word] = handler

    def thread(self, handler: ThreadHandler) -> None:
        """Register a handler for replies in channel threads (e.g. comments on an idea's post, follow-up
        questions in a thread the bot answered). It returns None when the thread is not its business."""
        self.thread_handlers.append(handler)

    def dispatch_thread(self, core: Core, request: Request) -> Reply | None:
        """Offer a thread reply to each thread handler; the first reply wins, None when nobody answers."""
        request = without_nul(request)
        for handler in self.thread_handlers:
            try:
                reply = handler(core, request)
            except Exception:
                log.exception("thread handler failed", extra={"thread_ts": request.thread_ts})
                return Reply(text=t("error.generic", request.lang))
            if reply is not None:
                return reply
        return None

    def message(self, handler: Handler) -> None:
        self.message_handler = handler

    def dispatch(self, core: Core, request: Request) -> Reply:
        """Run the matching handler; a failure becomes a polite error reply, the detail goes to the log."""
        request = without_nul(request)
        handler, missing = self._find(request)
        if handler is None:
            return Reply(text=t(missing, request.lang))
        try:
            return handler(core, request)
        except Exception:
            log.exception("handler failed", extra={"command": request.command, "action": request.action_id})
            return Reply(text=t("error.generic", request.lang))

    def _find(self, request: Request) -> tuple[Handler | None, str]:
        if request.kind == "command":
            return self.commands.get(request.command), "error.generic"
        if request.kind == "action":
            for prefix, handler in self.actions:
                if request.action_id.startswith(prefix):
                    return handler, ""
            return None, "error.unknown_action"
        if request.kind == "form":
            return self.forms.get(request.callback_id), "error.unknown_form"
        return self.message_handler, "message.hint"
