"""Deliveries (scheduled posts from the outbox) printed on the console instead of sent to a chat platform."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from bot.i18n import t
from bot.platforms.console.render import render_reply
from bot.platforms.console.terminal import write_line
from bot.replies import Reply


class ConsoleTransport:
    """A ``bot.services.delivery.Transport``: ``send`` prints the message and returns a message id; ``update``
    prints the new version of a message sent earlier."""

    def __init__(self, stdout: TextIO | None = None, lang: str = "ja") -> None:
        self.stdout = stdout or sys.stdout
        self.lang = lang
        self._ids = itertools.count(1)

    def send(self, channel: str, reply: Reply) -> str:
        text, _ = render_reply(reply, self.lang)
        write_line(self.stdout, t("console.delivery", self.lang, channel=channel, text=text))
        return f"console-{next(self._ids)}"

    def update(self, channel: str, ref: str, reply: Reply) -> str:
        text, _ = render_reply(reply, self.lang)
        write_line(self.stdout, t("console.delivery_update", self.lang, channel=channel, text=text))
        return ref
