"""The router: maps commands, actions, forms and messages to the features' handlers.

A platform builds a :class:`~bot.chat.request.Request` and asks the router; each feature has ``register(router)``
and :func:`bot.features.build_router` wires them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.app.core import Core
from bot.chat.actions import Action
from bot.chat.i18n import catalogue, t
from bot.chat.reply import Reply
from bot.chat.request import Request, without_nul

log = logging.getLogger(__name__)


Handler = Callable[[Core, Request], Reply]
ThreadHandler = Callable[[Core, Request], Reply | None]
A = TypeVar("A", bound=Action)
ActionHandler = Callable[[Core, Request, A], Reply]
Routes = dict[str, tuple[type[Action], ActionHandler[Any]]]  # name → the model and its handler
INVALID = "error.unknown_action"  # an unknown or invalid button or form, everywhere
FILE_KEYS = ("file:", "file_error:")  # the values a platform gives for files sent with a message


class Router:
    """Maps commands, action names, form callback ids and plain messages to handlers (exact names only)."""

    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.unlisted: set[str] = set()  # commands ``/kiun help`` does not list
        self.actions: Routes = {}
        self.forms: Routes = {}
        self.admin_commands: dict[str, Handler] = {}
        self.subcommands: dict[str, Handler] = {}
        self.thread_handlers: list[ThreadHandler] = []
        self.message_handler: Handler | None = None
        self.files_handler: Handler | None = None
        self.slow: dict[str, str] = {}  # command → catalogue key of the ack a platform sends before running it

    def command(self, name: str, handler: Handler, *, listed: bool = True, slow: str | None = None) -> None:
        """Register ``/<name>``; ``/kiun help`` lists it (``help.command.<name>`` in the catalogue) unless not
        ``listed``. Sub-commands and admin words are listed the same way (``help.kiun.<word>``,
        ``help.admin.<word>``), in the order they are registered. With ``slow`` (the catalogue key of an ack such
        as "考えています…"), a platform that must answer within seconds acks with that text first and runs the
        handler off its listener threads."""
        if listed:
            _described(f"help.command.{name}")
        else:
            self.unlisted.add(name)
        self.commands[name] = handler
        if slow is not None:
            self.slow[name] = slow

    def action(self, model: type[A], handler: ActionHandler[A]) -> None:
        """Register a button: presses with ``model.name`` (or one of its aliases) reach ``handler`` with the
        validated model."""
        _register(self.actions, model, handler)

    def form(self, model: type[A], handler: ActionHandler[A]) -> None:
        """Register a form: submissions with ``model.name`` as callback id reach ``handler`` with the model
        validated from the form's metadata (the inputs stay in ``request.values``)."""
        _register(self.forms, model, handler)

    def admin(self, word: str, handler: Handler) -> None:
        """Register ``/kiun admin <word> …``; the handler gets the request with ``text`` after ``<word>``.

        Only admins reach it (``/kiun admin`` refuses others first)."""
        _described(f"help.admin.{word}")
        self.admin_commands[word] = handler

    def subcommand(self, word: str, handler: Handler) -> None:
        """Register ``/kiun <word> …`` for everyone; the handler gets the request with ``text`` after ``<word>``."""
        _described(f"help.kiun.{word}")
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
                log.exception("thread handler failed", extra={"thread": request.thread.id if request.thread else None})
                return Reply(text=t("error.generic", request.lang))
            if reply is not None:
                return reply
        return None

    def message(self, handler: Handler) -> None:
        self.message_handler = handler

    def files(self, handler: Handler) -> None:
        """Register the handler for a message that brings files (``request.values``: ``file:<name>`` → a local path
        the platform downloaded it to, ``file_error:<name>`` → why it could not); without one, the message handler
        gets them."""
        self.files_handler = handler

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
            return _typed(self.actions, request.action_id, request.value, "action"), INVALID
        if request.kind == "form":
            return _typed(self.forms, request.callback_id, request.metadata, "form"), INVALID
        if self.files_handler is not None and any(key.startswith(FILE_KEYS) for key in request.values):
            return self.files_handler, "message.hint"
        return self.message_handler, "message.hint"


def _described(key: str) -> None:
    """Refuse a command that ``/kiun help`` could not describe."""
    if key not in catalogue():
        raise ValueError(f"{key} is missing from messages.yml")


def _register(table: Routes, model: type[A], handler: ActionHandler[A]) -> None:
    for name in (model.name, *model.aliases):
        if name in table:
            raise ValueError(f"{name!r} is registered twice")
        table[name] = (model, handler)


def _typed(table: Routes, name: str, payload: str, kind: str) -> Handler | None:
    """The handler for ``name`` with its payload validated into the model; None (logged) when either is wrong."""
    if name not in table:
        log.warning("unknown %s", kind, extra={"action": name[:80]})
        return None
    model, handler = table[name]
    try:
        action = model.parse(payload, name)
    except ValidationError as exc:
        log.warning("invalid %s payload", kind, extra={"action": name, "errors": exc.error_count()})
        return None
    return lambda core, request: handler(core, request, action)
