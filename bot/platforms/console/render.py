"""Neutral replies as plain terminal text: markup as :func:`~bot.chat.markup.plain` text, fields as
``label: value``, buttons numbered."""

from __future__ import annotations

from collections.abc import Callable

from bot.chat.i18n import t
from bot.chat.markup import plain
from bot.chat.reply import Button, File, Image, Reply


def render_reply(
    reply: Reply, lang: str, save_image: Callable[[Image | File], str] | None = None, numbered_before: int = 0
) -> tuple[str, list[Button]]:
    """The reply as text, and its buttons in the order they are numbered ``[1]``, ``[2]``, … (after
    ``numbered_before`` buttons already on screen).

    ``save_image`` writes an image or file somewhere it can be opened and returns where."""
    parts: list[str] = []
    buttons: list[Button] = []
    for section in reply.sections:
        lines = [plain(section.text)] if section.text else []
        lines += [f"{plain(item.label)}: {plain(item.value)}" for item in section.fields]
        for button in section.buttons:
            buttons.append(button)
            lines.append(f"[{numbered_before + len(buttons)}] {button.label}")
        if lines:
            parts.append("\n".join(lines))
    summary = plain(reply.text).strip()
    if summary and not any(summary in part for part in parts):
        parts.insert(0, summary)
    if reply.image is not None:
        image = reply.image
        where = save_image(image) if save_image and image.data else image.filename
        parts.append(t("console.image", lang, title=image.title, file=where))
    if reply.file is not None:
        where = save_image(reply.file) if save_image and reply.file.data else reply.file.filename
        parts.append(t("console.file", lang, title=reply.file.title, file=where))
    parts += [plain(message) for message in reply.errors.values()]
    return "\n\n".join(parts), buttons
