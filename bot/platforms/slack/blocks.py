"""Neutral replies → Block Kit messages, modals and the App Home view, always within Slack's limits.

Markup (texts, field labels and values, a form's intro) is rendered as mrkdwn, or as plain text where Slack
shows only that (a modal's title, hints, form errors); button labels, input labels and options are plain already.

Long text is split into several sections, too many blocks are truncated with a note, labels and titles are
cut to Slack's lengths: rendering never fails. Images are not blocks here: the transport uploads them
(``files_upload_v2``), since an :class:`~bot.chat.reply.Image` carries the file itself.
"""

from __future__ import annotations

import re
from typing import Any

from bot.chat.i18n import t
from bot.chat.markup import plain as plain_text
from bot.chat.reply import Button, FieldItem, Form, Input, Reply, Section
from bot.common.text import truncate
from bot.platforms.slack.render import mrkdwn

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_METADATA = 3000
MAX_FALLBACK_TEXT = 3000

Block = dict[str, Any]
_INDEX_SUFFIX = re.compile(r"\.\d+$")


def plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, on line boundaries where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single line longer than a chunk: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _field(item: FieldItem) -> Block:
    return {"type": "mrkdwn", "text": truncate(f"*{mrkdwn(item.label)}*\n{mrkdwn(item.value)}", MAX_FIELD_TEXT)}


def _button(button: Button, action_id: str) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(button.label, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": button.value[:MAX_BUTTON_VALUE],
    }
    if button.style:
        element["style"] = button.style
    return element


def _actions(buttons: list[Button]) -> list[Block]:
    """Buttons in actions blocks of at most 25, with action ids unique within each block (a second ``vote`` is
    ``vote.1``: :func:`action_name` strips the suffix again)."""
    blocks = []
    for start in range(0, len(buttons), MAX_ACTION_ELEMENTS):
        seen: dict[str, int] = {}
        elements = []
        for button in buttons[start : start + MAX_ACTION_ELEMENTS]:
            count = seen.get(button.action_id, 0)
            seen[button.action_id] = count + 1
            action_id = button.action_id if count == 0 else f"{button.action_id}.{count}"
            elements.append(_button(button, action_id[:MAX_ACTION_ID]))
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def action_name(action_id: str) -> str:
    """The action's name from a button's Slack ``action_id`` (without the index suffix :func:`_actions` adds)."""
    return _INDEX_SUFFIX.sub("", action_id)


def section_blocks(section: Section) -> list[Block]:
    """One neutral section → section blocks (text split, fields in groups of 10) and actions blocks."""
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(mrkdwn(section.text))
    ]
    fields = [_field(item) for item in section.fields]
    for start in range(0, len(fields), MAX_FIELDS):
        group = fields[start : start + MAX_FIELDS]
        if start == 0 and blocks:
            blocks[-1]["fields"] = group
        else:
            blocks.append({"type": "section", "fields": group})
    return blocks + _actions(section.buttons)


def reply_blocks(reply: Reply, lang: str = "ja", limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """The reply's body as blocks (its text alone when it has no sections), at most ``limit`` of them."""
    sections = reply.sections or [Section(text=reply.text)]
    blocks = [block for section in sections for block in section_blocks(section)]
    if len(blocks) > limit:
        note = {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(t("slack.truncated", lang))}]}
        blocks = blocks[: limit - 1] + [note]
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text Slack shows where blocks cannot be (push notifications, search)."""
    return truncate(mrkdwn(reply.text), MAX_FALLBACK_TEXT)


def message(reply: Reply, lang: str = "ja") -> dict[str, Any]:
    """``text`` and ``blocks`` arguments for chat.postMessage, respond() or ack()."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply, lang)}


def home_view(reply: Reply, lang: str = "ja") -> dict[str, Any]:
    """The App Home tab (views.publish)."""
    return {"type": "home", "blocks": reply_blocks(reply, lang, MAX_VIEW_BLOCKS)}


def _option(value: str, label: str) -> Block:
    return {"text": plain(label, MAX_OPTION_TEXT), "value": value[:150]}


def _element(item: Input) -> Block:
    placeholder = {"placeholder": plain(item.placeholder, MAX_PLACEHOLDER)} if item.placeholder else {}
    if item.kind in ("text", "multiline"):
        element: Block = {"type": "plain_text_input", "multiline": item.kind == "multiline", **placeholder}
        if item.max_length:
            element["max_length"] = item.max_length
        if item.initial:
            element["initial_value"] = item.initial
    elif item.kind == "select":
        options = [_option(o.value, o.label) for o in item.options[:MAX_OPTIONS]]
        element = {"type": "static_select", "options": options, **placeholder}
        chosen = [o for o in options if o["value"] == item.initial]
        if chosen:
            element["initial_option"] = chosen[0]
    elif item.kind == "checkbox":
        pairs = [(o.value, o.label) for o in item.options] or [("true", item.label)]
        options = [_option(value, label) for value, label in pairs[:MAX_CHECKBOXES]]
        element = {"type": "checkboxes", "options": options}
        initial = set(item.initial.split(",")) if item.initial else set()
        chosen = [o for o in options if o["value"] in initial]
        if chosen:
            element["initial_options"] = chosen
    else:
        element = {"type": "number_input", "is_decimal_allowed": False, **placeholder}
        if item.initial:
            element["initial_value"] = item.initial
    element["action_id"] = item.name
    return element


def input_block(item: Input) -> Block:
    """One form input; its block_id and action_id are the input's name."""
    block: Block = {
        "type": "input",
        "block_id": item.name,
        "label": plain(item.label, MAX_LABEL),
        "optional": item.optional,
        "element": _element(item),
    }
    if item.hint:
        block["hint"] = plain(plain_text(item.hint), MAX_LABEL)
    return block


def modal(form: Form, lang: str = "ja") -> dict[str, Any]:
    """A modal view for views.open; the form's metadata travels as ``private_metadata``."""
    intro = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(mrkdwn(form.intro))]
    inputs = [input_block(item) for item in form.inputs]
    return {
        "type": "modal",
        "callback_id": form.callback_id,
        "title": plain(plain_text(form.title), MAX_MODAL_TITLE),
        "submit": plain(form.submit_label, MAX_MODAL_BUTTON),
        "close": plain(t("slack.cancel", lang), MAX_MODAL_BUTTON),
        "private_metadata": form.metadata[:MAX_METADATA],
        "blocks": (intro + inputs)[:MAX_VIEW_BLOCKS],
    }


def _state_value(state: dict[str, Any]) -> str:
    kind = state.get("type")
    if kind == "static_select":
        return (state.get("selected_option") or {}).get("value", "")
    if kind == "checkboxes":
        return ",".join(option.get("value", "") for option in state.get("selected_options") or [])
    return state.get("value") or ""


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """A view_submission's state → input name → value (checkboxes comma-separated, empty when unset)."""
    values: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for state in actions.values():
            values[block_id] = _state_value(state)
    return values


def errors_response(errors: dict[str, str]) -> dict[str, Any]:
    """The ack() arguments that show ``errors`` (input name → message) under the inputs of the open modal."""
    shown = {name: truncate(plain_text(text), MAX_LABEL) for name, text in errors.items()}
    return {"response_action": "errors", "errors": shown}
