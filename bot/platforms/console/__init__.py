"""The console platform: chat with kiun in a terminal (no Slack, no keys), or script it through stdin.

Lines starting with ``/`` are slash commands, a bare number presses that button of the latest reply, ``/file PATH
[word]`` sends a file as a DM attachment would (the DX office's uploads), anything else is a message. Forms become
prompted fields. When no Slack token is configured (the embedded trial set-up), whatever lands in the outbox —
channel posts, DMs to proposers, scheduled posts run with ``kiun jobs run`` — is printed by
:class:`ConsoleTransport` after each answer, so the whole flow can be seen in one terminal.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, TextIO

from bot.app.core import Core
from bot.chat.address import Channel, User
from bot.chat.i18n import t
from bot.chat.markup import literal, plain
from bot.chat.reply import Button, File, Form, Image, Reply
from bot.chat.request import Kind, Request
from bot.chat.router import Router
from bot.delivery.outbox import Sender
from bot.platforms.console.forms import FormCancelled, fill_form
from bot.platforms.console.polls import prepare_polls
from bot.platforms.console.render import render_reply
from bot.platforms.console.terminal import Terminal, write_line
from bot.platforms.console.transport import PLATFORM, ConsoleTransport

__all__ = ["ConsoleTransport", "run_console", "render_reply"]

log = logging.getLogger(__name__)
CHANNEL = Channel(platform=PLATFORM, id="console")
# On the console a person is named by the id they chose with ``kiun console --user`` (an "@" in front is fine).
_PERSON = re.compile(r"@?([A-Za-z0-9_]{2,})")
CONSOLE_SEND_RATE = 1000.0  # printing needs no rate limit
FILE_COMMAND = "file"  # /file PATH [word]: send a file, as an attachment in a DM


def run_console(
    core: Core,
    router: Router,
    user_id: str,
    admin: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Read lines until end of input (default: the process's stdin/stdout), answering each with ``router``'s
    handlers; returns 0."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    for stream in (stdin, stdout):  # never die on a stray byte or an odd terminal encoding
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    for notice in prepare_polls(core, user_id):  # the console's directory, and a trial key if none is set
        write_line(stdout, notice)
    session = ConsoleSession(core, router, user_id, admin or core.is_admin(user_id))
    core.deferred_at_once = True  # no workers: slow work runs in the request and answers in place
    try:
        return session.run(Terminal(stdin, stdout))
    finally:
        core.deferred_at_once = False


def console_sender(core: Core, stdout: TextIO, buttons: list[Button]) -> Sender | None:
    """A sender that prints the outbox to the terminal (its buttons join ``buttons``), unless this database
    belongs to a Slack installation."""
    if core.settings.slack_bot_token:
        return None
    transport = ConsoleTransport(stdout, core.settings.kiun_locale, buttons)
    return Sender(core, transport, rate_per_second=CONSOLE_SEND_RATE)


class ConsoleSession:
    """One person's conversation: turns lines into Requests and Replies into text."""

    def __init__(self, core: Core, router: Router, user_id: str, is_admin: bool) -> None:
        self.core = core
        self.router = router
        self.user_id = user_id
        self.is_admin = is_admin
        self.lang = core.settings.kiun_locale
        self.buttons: list[Button] = []
        self._image_dir: Path | None = None

    def run(self, term: Terminal) -> int:
        mark = t("console.admin_mark", self.lang) if self.is_admin else ""
        term.say(plain(t("console.welcome", self.lang, user=literal(self.user_id), admin=mark)))
        sender = console_sender(self.core, term.stdout, self.buttons)
        while (line := term.ask("> ")) is not None:
            try:
                self.handle(term, line)
                if sender is not None:
                    sender.drain()
            except FormCancelled:
                term.say(t("console.form_cancelled", self.lang))
                break
            except Exception:  # a bug here must not end the conversation; the detail goes to the log
                log.exception("console failed on a line")
                term.say(t("error.generic", self.lang))
        return 0

    def handle(self, term: Terminal, line: str) -> None:
        line = line.strip()
        plain = unicodedata.normalize("NFKC", line)
        if not line:
            return
        if plain.startswith("/"):
            name, text = ([*line[1:].split(maxsplit=1), "", ""])[:2]  # any space, 全角 included
            name = unicodedata.normalize("NFKC", name).lower()
            if name == FILE_COMMAND:
                request = self.file_request(term, text)
                if request is not None:
                    self.show(term, self.router.dispatch(self.core, request))
                return
            if name not in self.router.commands:
                valid = "、".join(f"/{command}" for command in sorted(self.router.commands))
                term.say(t("console.unknown_command", self.lang, command=f"/{name}", valid=valid))
                return
            people = {
                word: User(platform=PLATFORM, id=match.group(1))
                for word in text.split()
                if (match := _PERSON.fullmatch(word))
            }
            request = self.request("command", command=name, text=text.strip(), mentions=people)
        elif plain.isdecimal():
            number = int(plain)
            if not 1 <= number <= len(self.buttons):
                term.say(t("console.no_button", self.lang, number=number))
                return
            button = self.buttons[number - 1]
            request = self.request("action", action_id=button.action_id, value=button.value)
        else:
            request = self.request("message", text=line)
        self.show(term, self.router.dispatch(self.core, request))

    def file_request(self, term: Terminal, text: str) -> Request | None:
        """``/file PATH [word]``: the file as a message attachment (None, and a hint, when there is no such file)."""
        path_text, word = ([*text.split(maxsplit=1), "", ""])[:2]
        path = Path(path_text).expanduser()
        if not path_text or not path.is_file():
            term.say(t("console.file_missing", self.lang, path=path_text or "PATH"))
            return None
        return self.request("message", text=word.strip(), values={f"file:{path.name}": str(path)})

    def request(self, kind: Kind, **fields: Any) -> Request:
        return Request(
            User(platform=PLATFORM, id=self.user_id),
            kind=kind,
            is_admin=self.is_admin,
            lang=self.lang,
            channel=CHANNEL,
            **fields,
        )

    def show(self, term: Terminal, reply: Reply) -> None:
        while reply.form is not None:
            reply = self.submit_form(term, reply.form)
        text, buttons = render_reply(reply, self.lang, self.save_image)
        self.buttons[:] = buttons  # the same list the console sender extends with delivered buttons
        if text:
            term.say(text)

    def submit_form(self, term: Terminal, form: Form) -> Reply:
        """Prompt for the form, submit it, and re-prompt the fields the handler rejects."""
        names = {item.name for item in form.inputs}
        values = fill_form(term, form, self.lang)
        while True:
            request = self.request("form", callback_id=form.callback_id, values=values, metadata=form.metadata)
            reply = self.router.dispatch(self.core, request)
            wrong = {name: message for name, message in reply.errors.items() if name in names}
            if not wrong:
                return reply
            values = fill_form(term, form, self.lang, values, wrong)

    def save_image(self, image: Image | File) -> str:
        """Write the image (or file) to this session's temporary folder, so it can be opened; returns its path."""
        if self._image_dir is None:
            self._image_dir = Path(tempfile.mkdtemp(prefix="kiun-console-"))
        path = self._image_dir / f"{len(list(self._image_dir.iterdir())) + 1:02d}-{Path(image.filename).name}"
        path.write_bytes(image.data)
        return str(path)
