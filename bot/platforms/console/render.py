"""Neutral replies as plain terminal text: Slack mrkdwn stripped, fields as ``label: value``, buttons numbered."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.chat.i18n import t
from bot.chat.reply import Button, File, Image, Reply

_LINK = re.compile(r"<([^<>|\n]+)(?:\|([^<>\n]*))?>")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
# Emphasis needs no ASCII letter or digit right outside the markers (so 2*3*4 and snake_case stay as they are);
# Japanese text around them is fine, as in Slack.
_EMPHASIS = [
    re.compile(rf"(?<![{m}A-Za-z0-9]){m}(?!\s)([^{m}\n]+?)(?<!\s){m}(?![{m}A-Za-z0-9])") for m in (r"\*", "_", "~")
]
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def _link(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target[0] in "@#":
        return target[0] + (label or target[1:])
    if target[0] == "!":  # <!here>, <!channel>, <!date^…|fallback>
        return label or "@" + target[1:]
    return f"{label} ({target})" if label and label != target else target


def strip_mrkdwn(text: str) -> str:
    """Slack mrkdwn as readable plain text: links spelled out, emphasis and code markers removed."""
    text = _LINK.sub(_link, text)
    text = _CODE_BLOCK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def render_reply(
    reply: Reply, lang: str, save_image: Callable[[Image | File], str] | None = None, numbered_before: int = 0
) -> tuple[str, list[Button]]:
    """The reply as text, and its buttons in the order they are numbered ``[1]``, ``[2]``, … (after
    ``numbered_before`` buttons already on screen).

    ``save_image`` writes an image or file somewhere it can be opened and returns where."""
    parts: list[str] = []
    buttons: list[Button] = []
    for section in reply.sections:
        lines = [strip_mrkdwn(section.text)] if section.text else []
        lines += [f"{strip_mrkdwn(item.label)}: {strip_mrkdwn(item.value)}" for item in section.fields]
        for button in section.buttons:
            buttons.append(button)
            lines.append(f"[{numbered_before + len(buttons)}] {button.label}")
        if lines:
            parts.append("\n".join(lines))
    summary = strip_mrkdwn(reply.text).strip()
    if summary and not any(summary in part for part in parts):
        parts.insert(0, summary)
    if reply.image is not None:
        image = reply.image
        where = save_image(image) if save_image and image.data else image.filename
        parts.append(t("console.image", lang, title=image.title, file=where))
    if reply.file is not None:
        where = save_image(reply.file) if save_image and reply.file.data else reply.file.filename
        parts.append(t("console.file", lang, title=reply.file.title, file=where))
    parts += [strip_mrkdwn(message) for message in reply.errors.values()]
    return "\n\n".join(parts), buttons
