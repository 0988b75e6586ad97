"""Reply markup: a small Markdown subset plus tokens, the same for every platform; each platform renders it.

What kiun writes in ``messages.yml`` and in reply builders:

- ``**bold**``, ``_italic_``, `` `code` ``, ``[label](https://…)``;
- a line starting with ``- `` is a list item, one starting with ``> `` a quote;
- a person, a channel and a link only through :func:`person`, :func:`channel` and :func:`link`;
- anything a person, a document or a model wrote only through :func:`literal`, which escapes it (a backslash
  before each character that could start markup or a token), so it is always shown exactly as written.

:class:`Renderer` parses the text once; a platform overrides its methods (Slack mrkdwn in
``bot/platforms/slack/render.py``); :func:`plain` is the text a person reads without formatting (the console,
Slack's plain-text fields, the CLI).
"""

from __future__ import annotations

import re

_PUNCTUATION = r"!-/:-@\[-`{-~"
_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^-", re.MULTILINE)
_INLINE = re.compile(
    rf"\\(?P<escaped>[{_PUNCTUATION}])"
    rf"|`(?P<code>(?:\\[{_PUNCTUATION}]|[^`\n])+?)`"
    r"|\*\*(?P<bold>(?:\\.|[^*\\\n]|\*(?!\*))+?)\*\*"
    r"|(?<![A-Za-z0-9])_(?=\S)(?P<italic>(?:\\.|[^_\\\n])+?)(?<=\S)_(?![A-Za-z0-9])"
    r"|\[(?P<label>(?:\\.|[^\]\\\n])+)\]\((?P<url>https?://[^\s()<>\\]+)\)"
    r"|<(?P<token>person|channel):(?P<id>[^<>\s\\]+)>"
)
_ESCAPED = re.compile(rf"\\([{_PUNCTUATION}])")
_ID = re.compile(r"[^<>\s\\]+")
_URL_UNSAFE = re.compile(r"[\s()<>\\|\"]")


def literal(text: str) -> str:
    """``text`` (typed by a person, read from a document, written by a model) as markup that shows it unchanged."""
    return _LINE_START.sub(r"\\-", _SPECIAL.sub(r"\\\1", text))


def person(user_id: str) -> str:
    """A mention of the person with this platform user id."""
    return f"<person:{_checked(user_id)}>"


def channel(channel_id: str) -> str:
    """A reference to the channel with this platform id."""
    return f"<channel:{_checked(channel_id)}>"


def link(url: str, label: str) -> str:
    """``label`` (plain text) linking to ``url``; only ``http(s)`` links, any other URL shows the label alone."""
    if not url.startswith(("https://", "http://")):
        return literal(label)
    safe = _URL_UNSAFE.sub(lambda m: "%" + format(ord(m.group()), "02X"), url)
    return f"[{literal(label)}]({safe})"


def _checked(platform_id: str) -> str:
    if not _ID.fullmatch(platform_id):
        raise ValueError(f"not a platform id: {platform_id!r}")
    return platform_id


class Renderer:
    """Markup → one platform's text. The default methods give plain text; a platform overrides what it formats."""

    def render(self, markup: str) -> str:
        return "\n".join(self.line(line) for line in markup.split("\n"))

    def line(self, line: str) -> str:
        if line.startswith("- "):
            return self.item(self.inline(line[2:]))
        if line.startswith("> "):
            return self.quote(self.inline(line[2:]))
        return self.inline(line)

    def inline(self, markup: str) -> str:
        parts: list[str] = []
        end = 0
        for match in _INLINE.finditer(markup):
            parts.append(self.text(markup[end : match.start()]))
            parts.append(self._element(match))
            end = match.end()
        parts.append(self.text(markup[end:]))
        return "".join(parts)

    def _element(self, match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "escaped":
            return self.text(match["escaped"])
        if kind == "code":
            return self.code(_ESCAPED.sub(r"\1", match["code"]))
        if kind == "bold":
            return self.bold(self.inline(match["bold"]))
        if kind == "italic":
            return self.italic(self.inline(match["italic"]))
        if kind == "url":
            return self.link(match["url"], self.inline(match["label"]))
        if match["token"] == "person":
            return self.person(match["id"])
        return self.channel(match["id"])

    # The pieces; each receives text already rendered where it contains markup (bold, italic, item, quote, label).
    def text(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return self.text(text)

    def bold(self, rendered: str) -> str:
        return rendered

    def italic(self, rendered: str) -> str:
        return rendered

    def link(self, url: str, label: str) -> str:
        return url if label == url else f"{label} ({url})"

    def person(self, user_id: str) -> str:
        return "@" + user_id

    def channel(self, channel_id: str) -> str:
        return "#" + channel_id

    def item(self, rendered: str) -> str:
        return "• " + rendered

    def quote(self, rendered: str) -> str:
        return "> " + rendered


_PLAIN = Renderer()


def plain(markup: str) -> str:
    """The text a person reads without formatting: markers dropped, links spelled out, escapes undone."""
    return _PLAIN.render(markup)
