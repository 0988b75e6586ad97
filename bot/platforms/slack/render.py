"""Reply markup (:mod:`bot.chat.markup`) → Slack mrkdwn, with Slack's entity escaping of ``&``, ``<`` and ``>``.

Text never becomes a mention, a ``<!channel>`` or a link: only the markup's tokens and links do.
"""

from __future__ import annotations

from bot.chat.markup import Renderer


def escape(text: str) -> str:
    """Slack's entity escaping: ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;``, ``&gt;``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MrkdwnRenderer(Renderer):
    def text(self, text: str) -> str:
        return escape(text)

    def code(self, text: str) -> str:
        return f"`{escape(text)}`"

    def bold(self, rendered: str) -> str:
        return f"*{rendered}*"

    def italic(self, rendered: str) -> str:
        return f"_{rendered}_"

    def link(self, url: str, label: str) -> str:
        return f"<{escape(url)}|{label}>"

    def person(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def channel(self, channel_id: str) -> str:
        return f"<#{channel_id}>"


_MRKDWN = MrkdwnRenderer()


def mrkdwn(markup: str) -> str:
    """``markup`` as Slack mrkdwn."""
    return _MRKDWN.render(markup)
