"""Deliveries (scheduled posts from the outbox) printed on the console instead of sent to a chat platform."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from bot.chat.address import Address, label
from bot.chat.capabilities import Capabilities
from bot.chat.i18n import t
from bot.chat.reply import Button, Reply
from bot.platforms.console.render import render_reply
from bot.platforms.console.terminal import write_line

PLATFORM = "console"
# One person at a terminal: every reply is theirs alone; their home is drawn fresh whenever they ask for it
# (``/kiun home``), so there is nothing to refresh; forms are prompted field by field; files are saved locally.
CAPABILITIES = Capabilities(
    ephemeral=True, home_view=True, modal_form=False, threads=False, file_upload=True, message_update=True
)


class ConsoleTransport:
    """A ``bot.delivery.outbox.Transport``: ``send`` prints the message and returns a message id; ``update``
    prints the new version of a message sent earlier. With ``buttons`` (the session's list of pressable buttons),
    a delivered message's buttons are numbered after those on screen and can be pressed too."""

    capabilities = CAPABILITIES

    def __init__(self, stdout: TextIO | None = None, lang: str = "ja", buttons: list[Button] | None = None) -> None:
        self.stdout = stdout or sys.stdout
        self.lang = lang
        self.buttons = buttons
        self._ids = itertools.count(1)

    def _render(self, reply: Reply) -> str:
        if self.buttons is None:
            return render_reply(reply, self.lang)[0]
        text, buttons = render_reply(reply, self.lang, numbered_before=len(self.buttons))
        self.buttons.extend(buttons)
        return text

    def send(self, to: Address, reply: Reply) -> str:
        text = self._render(reply)
        write_line(self.stdout, t("console.delivery", self.lang, channel=label(to), text=text))
        return f"console-{next(self._ids)}"

    def update(self, to: Address, ref: str, reply: Reply) -> str:
        text = self._render(reply)
        write_line(self.stdout, t("console.delivery_update", self.lang, channel=label(to), text=text))
        return ref
