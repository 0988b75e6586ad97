"""Reply markup (:mod:`bot.chat.markup`) → the Markdown subset that Teams renders in Adaptive Card TextBlocks and
FactSets (Microsoft's "Format cards in Microsoft Teams": ``**bold**``, ``_italic_``, ``- `` lists, ``1.`` lists,
``[label](url)``; no headings, tables, code or quotes; no HTML).

- Lines: a single ``\\n`` is no line break in a TextBlock, so lines become paragraphs (``\\n\\n``); the items of a
  list are joined with ``\\r``, as the doc says, since ``\\n\\n`` inside a list indents the next item.
- Text (whatever a person, a document or a model wrote, and the catalogue's own words) cannot become markup: the
  Markdown punctuation Teams reads (``\\ * _ [ ] ` ~``, and ``&`` where it would start an entity) gets a
  backslash, and so does anything at a line's start that would open a list, a heading, a quote or a rule (leading
  spaces, which would make code, are dropped). ``<`` is followed by a zero-width space, so no text can spell a
  ``<at>…</at>`` mention or HTML (Teams swaps in a mention wherever an entity's text appears, backslash or not).
- A person token is a real mention: ``<at>NAME</at>`` plus an entity collected in :attr:`TeamsRenderer.mentions`
  (``NAME`` from the ``names`` lookup, else the id). A channel is its name (or id) as plain text: Teams cannot
  mention a channel from a bot message.
- Code spans are shown bold: Teams has no code formatting in cards, and kiun's code spans are the commands people
  type (``/kiun help``).
- Quotes are not supported: a quoted line starts with a bar (``│``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.chat.markup import Renderer

ZERO_WIDTH_SPACE = "\u200b"
Lookup = Callable[[str], str | None]
Mention = dict[str, Any]

_MARKDOWN = re.compile(r"([\\*_\[\]`~]|&(?=#?\w+;))")  # "&" only where it would start an entity (&amp;)
# What opens a list, a heading, a quote or a rule at a line's start (a leading "-" always: "---" is a rule).
_BLOCK_START = re.compile(r"(?P<mark>[->]|\+(?=\s|$)|#{1,6}(?=\s|$))|\d{1,9}(?P<number>[.)])(?=\s|$)")
_NAME_UNSAFE = re.compile(r"[<>\\*_\[\]`~\s]+")


def escape(text: str) -> str:
    """``text`` shown as written in a TextBlock (Markdown punctuation escaped, no ``<at>`` spelled)."""
    return _MARKDOWN.sub(r"\\\1", text).replace("<", "<" + ZERO_WIDTH_SPACE)


def _unblock(line: str) -> str:
    """``line`` with a backslash where its start would open a list, a heading or a quote."""
    line = line.lstrip(" \t")  # four spaces would make it code
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    at = match.start("mark") if match["mark"] else match.start("number")
    return f"{line[:at]}\\{line[at:]}"


class TeamsRenderer(Renderer):
    """Markup → TextBlock Markdown; the mentions it wrote are in :attr:`mentions` (for the card's ``msteams``).

    ``names`` gives a person's display name for their id, ``channels`` a channel's name (None: show the id)."""

    def __init__(self, names: Lookup | None = None, channels: Lookup | None = None) -> None:
        self.names = names
        self.channels = channels
        self.mentions: list[Mention] = []
        self._texts: dict[str, str] = {}  # user id → the <at> text of its mention

    def render(self, markup: str) -> str:
        blocks: list[str] = []
        items: list[str] = []
        for line in markup.split("\n"):
            if line.startswith("- "):
                items.append(self.line(line))
                continue
            if items:
                blocks.append("\r".join(items))
                items = []
            if line.strip():
                blocks.append(self.line(line))
        if items:
            blocks.append("\r".join(items))
        return "\n\n".join(blocks)

    def line(self, line: str) -> str:
        rendered = super().line(line)
        return rendered if line.startswith(("- ", "> ")) else _unblock(rendered)

    def text(self, text: str) -> str:
        return escape(text)

    def code(self, text: str) -> str:
        return f"**{escape(text)}**"

    def bold(self, rendered: str) -> str:
        return f"**{rendered}**"

    def italic(self, rendered: str) -> str:
        return f"_{rendered}_"

    def link(self, url: str, label: str) -> str:
        return f"[{label}]({url})"

    def person(self, user_id: str) -> str:
        if user_id not in self._texts:
            name = _display_name((self.names(user_id) if self.names else None) or user_id)
            if any(text == f"<at>{name}</at>" for text in self._texts.values()):
                name = f"{name} ({_display_name(user_id)})"  # two people of one name: each mention its own text
            text = f"<at>{name}</at>"
            self._texts[user_id] = text
            self.mentions.append({"type": "mention", "text": text, "mentioned": {"id": user_id, "name": name}})
        return self._texts[user_id]

    def channel(self, channel_id: str) -> str:
        name = (self.channels(channel_id) if self.channels else None) or channel_id
        return escape("#" + name)

    def item(self, rendered: str) -> str:
        return "- " + _unblock(rendered)

    def quote(self, rendered: str) -> str:
        return "│ " + rendered


def _display_name(name: str) -> str:
    """A name that reads the same inside ``<at>…</at>``: no markup characters, spaces collapsed."""
    return _NAME_UNSAFE.sub(" ", name).strip() or "?"
