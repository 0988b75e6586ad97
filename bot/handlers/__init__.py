"""Handlers: platform-neutral features. A platform builds a :class:`Request` and asks the :class:`Router`.

Each feature module has ``register(router)``; :func:`build_router` wires them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.core import Core
from bot.i18n import t
from bot.replies import Reply

log = logging.getLogger(__name__)


@dataclass
class Request:
    """One thing a person did: a command, a button press, a form submission or a message."""

    user_id: str
    kind: Literal["command", "action", "form", "message", "thread"] = "message"
    platform: str = "console"
    is_admin: bool = False
    lang: str = "ja"
    channel_id: str | None = None
    thread_ts: str | None = None
    command: str = ""  # kind=command: "kiun", "idea", … (no slash)
    text: str = ""  # command arguments or message text
    action_id: str = ""  # kind=action
    value: str = ""
    callback_id: str = ""  # kind=form
    values: dict[str, str] = field(default_factory=dict)
    metadata: str = ""


def without_nul(request: Request) -> Request:
    """``request`` with NUL characters removed from everything typed: PostgreSQL cannot store them in text, and
    nobody means them."""
    typed = [request.text, request.value, request.metadata, *request.values, *request.values.values()]
    if not any("\x00" in part for part in typed):
        return request
    return replace(
        request,
        text=request.text.replace("\x00", ""),
        value=request.value.replace("\x00", ""),
        metadata=request.metadata.replace("\x00", ""),
        values={key.replace("\x00", ""): value.replace("\x00", "") for key, value in request.values.items()},
    )


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


def build_router() -> Router:
    """The router with every feature registered."""
    from bot.handlers import ask, home, ideas, kiun, lessons, polls, report, schedules

    router = Router()
    for module in (kiun, home, ideas, lessons, schedules, polls, ask, report):
        module.register(router)
    return router
