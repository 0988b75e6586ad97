"""Neutral replies → Adaptive Cards 1.5 for Teams; forms → dialog (task module) cards; presses and submissions back.

A reply is one card: its summary as a bold TextBlock (unless a section already says it, as on the console), each
section a Container (TextBlock, FactSet for the fields, ActionSets for the buttons), the image, a note for a
file. Markup is rendered by :class:`~bot.platforms.teams.render.TeamsRenderer`; its mentions go to
``msteams.entities``. Buttons are ``Action.Execute`` (``verb`` = the action's name, ``data`` = ``{"kiun_action":
name, "value": payload}``), answered by the bot's ``adaptiveCard/action`` invoke, which can update the card in
place; a button that opens a form (``Button.opens_form``) is an ``Action.Submit`` asking Teams for a dialog
(``task/fetch``) instead, since an ``Action.Execute`` answer cannot open one. :func:`submitted` reads either back.

How the chart image is carried: inside the card, as an ``Image`` whose ``url`` is a ``data:image/png;base64,…``
URI (Teams' documented way for a bot to send an image it has no public URL for; kiun's charts are 25-70 KB PNGs),
with the alt text, expandable to Teams' stage view. Teams refuses a message over its size limit (413
``MessageSizeTooBig``): :func:`fit_card` checks the card against :data:`MESSAGE_LIMIT` (the activity's JSON as
UTF-16, base64 images left out, as Microsoft counts it) and :data:`PAYLOAD_LIMIT` (everything, images
included); when it does not fit, the image is replaced by a note saying so, and if it is still too large the
body is cut with a note: a reply is never lost for its size.

The cards are plain JSON dicts, not ``microsoft_teams.cards`` models: the SDK's ``AdaptiveCard`` serialises its
schema as ``"schema"`` (not ``"$schema"``), takes only ``"full"`` for the width Teams' docs spell ``"Full"``, and
types every child as a bare ``CardElement``, so it would not check what it builds; the tests check each card
with those models element by element instead (``tests/fakes/adaptive_cards.py``).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from bot.chat.i18n import t
from bot.chat.markup import literal, plain
from bot.chat.reply import Button, Form, Image, Input, Reply, Section
from bot.platforms.teams.render import Lookup, TeamsRenderer, escape

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Teams' message size limit, about 28 KB ("Limits and specifications for Microsoft Teams"; the Teams connector's
# known limits say the same for posting cards). Microsoft's "Format your bot messages" counts the message as
# UTF-16 and leaves base64 images out; it has given bots 40 KB and now 100 KB (keep within 80 KB), so 28 KB is
# the safe floor. ENVELOPE leaves room for what the transport adds (addresses, ids, summary text).
MESSAGE_LIMIT = 28 * 1024
# The whole request, images included: Azure Bot Service refuses payloads over 256 KB.
PAYLOAD_LIMIT = 256 * 1024
ENVELOPE = 2 * 1024

MAX_ACTIONS = 6  # per ActionSet: Teams' host config caps the actions one set shows (maxActions); more, next set
ACTION_KEY = "kiun_action"
FORM_KEY = "kiun_form"
METADATA_KEY = "metadata"
SPEC_KEY = "kiun_spec"  # the form itself, in its submit data: shown again with the errors of a submission
RESERVED_KEYS = frozenset({ACTION_KEY, FORM_KEY, METADATA_KEY, SPEC_KEY, "value", "msteams"})  # never an input's name
STYLES = {"primary": "positive", "danger": "destructive"}


def card(
    reply: Reply,
    lang: str,
    *,
    names: Lookup | None = None,
    channels: Lookup | None = None,
) -> Card:
    """``reply`` as an Adaptive Card (``names``/``channels``: display names for mentions and channel tokens)."""
    renderer = TeamsRenderer(names, channels)
    return _card(_body(reply, lang, renderer), renderer)


def home_card(
    reply: Reply,
    lang: str,
    *,
    names: Lookup | None = None,
    channels: Lookup | None = None,
) -> Card:
    """The personal home card (Slack's Home tab, in the bot's 1:1 chat): a header, then the home reply."""
    renderer = TeamsRenderer(names, channels)
    header = {
        "type": "Container",
        "style": "emphasis",
        "items": [_text(escape(t("teams.home.header", lang)), style="heading", size="Large", weight="Bolder")],
    }
    return _card([header, *_body(reply, lang, renderer)], renderer)


def attachment(content: Card) -> dict[str, Any]:
    """The card as a message (or dialog) attachment."""
    return {"contentType": CONTENT_TYPE, "content": content}


def size(activity: Mapping[str, Any]) -> int:
    """What Teams counts against :data:`MESSAGE_LIMIT`: the activity's JSON in UTF-16 bytes, without the base64
    images (data URIs)."""
    return len(_json(_without_inline_images(activity)).encode("utf-16-le"))


def payload_size(activity: Mapping[str, Any]) -> int:
    """The activity's JSON in UTF-8 bytes, images included (against :data:`PAYLOAD_LIMIT`)."""
    return len(_json(activity).encode("utf-8"))


def fits(content: Card) -> bool:
    """Whether a message carrying ``content`` stays within Teams' limits (with :data:`ENVELOPE` to spare)."""
    message = {"type": "message", "attachments": [attachment(content)]}
    return size(message) + ENVELOPE <= MESSAGE_LIMIT and payload_size(message) + ENVELOPE <= PAYLOAD_LIMIT


def fit_card(
    reply: Reply,
    lang: str,
    *,
    home: bool = False,
    names: Lookup | None = None,
    channels: Lookup | None = None,
) -> Card:
    """:func:`card` (or :func:`home_card`) within Teams' limits: without the image (a note says so) when it does
    not fit, then with the body cut (a note again) if it still does not."""
    build: Callable[[Reply], Card] = partial(home_card if home else card, lang=lang, names=names, channels=channels)
    content = build(reply)
    if fits(content):
        return content
    if reply.image is not None:
        note = Section(text=t("teams.image_too_large", lang, title=literal(reply.image.title)))
        reply = reply.model_copy(update={"image": None, "sections": [*reply.sections, note]})
        content = build(reply)
        if fits(content):
            return content
    return _cut(content, lang)


def _cut(content: Card, lang: str) -> Card:
    """``content`` with as much of its body as fits, then a note that the rest was left out."""
    body: list[Element] = content["body"]
    note = _text(escape(t("teams.truncated", lang)), isSubtle=True)
    for kept in range(len(body) - 1, 0, -1):
        candidate = _with_body(content, [*body[:kept], note])
        if fits(candidate):
            return candidate
    first = body[0] if body else note
    while first.get("type") == "TextBlock" and len(first["text"]) > 1:  # one long text: keep its start
        first = {**first, "text": first["text"][: len(first["text"]) // 2]}
        candidate = _with_body(content, [first, note])
        if fits(candidate):
            return candidate
    return _with_body(content, [note])


def _with_body(content: Card, body: list[Element]) -> Card:
    """``content`` with another body, and only the mentions that body still shows."""
    shown = _json(body)
    msteams = {key: value for key, value in content["msteams"].items() if key != "entities"}
    mentions = [mention for mention in content["msteams"].get("entities", []) if mention["text"] in shown]
    return {**content, "body": body, "msteams": {**msteams, **({"entities": mentions} if mentions else {})}}


def dialog(
    form: Form,
    lang: str,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    *,
    names: Lookup | None = None,
) -> Card:
    """The dialog (task module) card for ``form``: its intro, one input each (with its hint and, from ``errors``,
    its message in red underneath), and the submit button carrying the form's callback id and metadata.
    ``values`` (input name → text) are what the person typed before, shown again instead of the initial ones."""
    clash = sorted(RESERVED_KEYS & {item.name for item in form.inputs})
    if clash:
        raise ValueError(f"form {form.callback_id!r}: input names {clash} are reserved for the card's data")
    renderer = TeamsRenderer(names)
    errors = errors or {}
    values = values or {}
    body: list[Element] = []
    if form.intro.strip():
        body.append(_text(renderer.render(form.intro)))
    names_of_inputs = {item.name for item in form.inputs}
    body += [_error(renderer.render(message)) for name, message in errors.items() if name not in names_of_inputs]
    for item in form.inputs:
        body.append(_input(item, values.get(item.name, item.initial), lang))
        if item.hint.strip():
            body.append(_text(renderer.render(item.hint), isSubtle=True, size="Small", spacing="Small"))
        if item.name in errors:
            body.append(_error(renderer.render(errors[item.name])))
    submit = {
        "type": "Action.Submit",
        "title": form.submit_label,
        "style": "positive",
        "data": {FORM_KEY: form.callback_id, METADATA_KEY: form.metadata, SPEC_KEY: form.model_dump_json()},
    }
    return _card(body, renderer, actions=[submit])


def task_response(content: Card, title: str) -> dict[str, Any]:
    """The invoke response (``task/fetch`` or ``task/submit``) that opens, or shows again, a dialog with
    ``content``; ``title`` is plain text."""
    return {"task": {"type": "continue", "value": {"title": title, "card": attachment(content)}}}


def task_message(text: str) -> dict[str, Any]:
    """The invoke response that closes the dialog flow with a short message (plain text) in its place."""
    return {"task": {"type": "message", "value": text}}


def submitted(data: object) -> tuple[str, str] | None:
    """(action name, value) of a pressed button from its action's ``data`` (an ``adaptiveCard/action`` invoke's
    ``value.action.data``, or a ``task/fetch`` invoke's ``value.data``); None when it is not one of kiun's."""
    if not isinstance(data, Mapping):
        return None
    name, value = data.get(ACTION_KEY), data.get("value", "")
    if not isinstance(name, str) or not name or not isinstance(value, str):
        return None
    return name, value


def submitted_form(data: object) -> tuple[str, str] | None:
    """(callback id, metadata) of a submitted dialog from a ``task/submit`` invoke's ``value.data``; None when it
    is not one of kiun's forms."""
    if not isinstance(data, Mapping):
        return None
    callback_id, metadata = data.get(FORM_KEY), data.get(METADATA_KEY, "")
    if not isinstance(callback_id, str) or not callback_id or not isinstance(metadata, str):
        return None
    return callback_id, metadata


def form_values(data: Mapping[str, Any], inputs: Sequence[Input] | None = None) -> dict[str, str]:
    """A dialog submission's input values as the core reads them (what Slack's ``submitted_values`` gives): text
    as typed, a select's value, checkboxes their chosen values comma-separated ("" when none), numbers as text.
    With ``inputs`` (the form's), only those, each present ("" when Teams left it out)."""
    given = {key: _value_text(value) for key, value in data.items() if key not in RESERVED_KEYS}
    if inputs is None:
        return given
    values = {}
    for item in inputs:
        value = given.get(item.name, "")
        if item.kind == "checkbox" and len(item.options) <= 1:
            on = _toggle_on(item)
            value = on if value in (on, "true") else ""  # "true": a client that ignored valueOn
        values[item.name] = value
    return values


def _card(body: list[Element], renderer: TeamsRenderer, actions: list[Element] | None = None) -> Card:
    content: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        content["actions"] = actions
    return _with_body({**content, "msteams": {"width": "Full", "entities": renderer.mentions}}, body)


def _body(reply: Reply, lang: str, renderer: TeamsRenderer) -> list[Element]:
    body: list[Element] = []
    summary = plain(reply.text).strip()
    if summary and not any(summary in _plain_section(section) for section in reply.sections):
        body.append(_text(renderer.render(reply.text), **({"weight": "Bolder"} if reply.sections else {})))
    for section in reply.sections:
        items = _section(section, renderer)
        if items:
            body.append({"type": "Container", "items": items})
    if reply.image is not None and reply.image.data:
        body += _image(reply.image, renderer)
    if reply.file is not None:
        names = {"title": literal(reply.file.title), "filename": literal(reply.file.filename)}
        body.append(_text(renderer.render(t("capabilities.file_not_attached", lang, **names)), isSubtle=True))
    body += [_error(renderer.render(message)) for message in reply.errors.values()]
    return body


def _plain_section(section: Section) -> str:
    return "\n".join([plain(section.text), *(f"{plain(f.label)} {plain(f.value)}" for f in section.fields)])


def _section(section: Section, renderer: TeamsRenderer) -> list[Element]:
    items: list[Element] = []
    if section.text.strip():
        items.append(_text(renderer.render(section.text)))
    if section.fields:
        facts = [{"title": renderer.render(f.label), "value": renderer.render(f.value)} for f in section.fields]
        items.append({"type": "FactSet", "facts": facts})
    buttons = section.buttons
    for start in range(0, len(buttons), MAX_ACTIONS):
        actions = [_action(button) for button in buttons[start : start + MAX_ACTIONS]]
        items.append({"type": "ActionSet", "actions": actions})
    return items


def _action(button: Button) -> Element:
    data: dict[str, Any] = {ACTION_KEY: button.action_id, "value": button.value}
    if button.opens_form:
        action: Element = {
            "type": "Action.Submit",
            "title": button.label,
            "data": {**data, "msteams": {"type": "task/fetch"}},
        }
    else:
        action = {"type": "Action.Execute", "title": button.label, "verb": button.action_id, "data": data}
    if button.style:
        action["style"] = STYLES[button.style]
    return action


def _image(image: Image, renderer: TeamsRenderer) -> list[Element]:
    url = "data:image/png;base64," + base64.b64encode(image.data).decode("ascii")
    picture = {
        "type": "Image",
        "url": url,
        "altText": image.alt_text,
        "size": "Stretch",
        "msteams": {"allowExpand": True},
    }
    title = [_text(renderer.render(literal(image.title)), weight="Bolder")] if image.title.strip() else []
    return [*title, picture]


def _input(item: Input, value: str, lang: str) -> Element:
    common: Element = {"id": item.name, "label": item.label, "isRequired": not item.optional}
    placeholder = {"placeholder": item.placeholder} if item.placeholder else {}
    if item.kind in ("text", "multiline"):
        element: Element = {"type": "Input.Text", **common, "isMultiline": item.kind == "multiline", **placeholder}
        if item.max_length:
            element["maxLength"] = item.max_length
        if value:
            element["value"] = value
        element["errorMessage"] = t("error.required", lang)
    elif item.kind == "select":
        choices = [{"title": option.label, "value": option.value} for option in item.options]
        style = "filtered" if len(choices) > 10 else "compact"  # a long list (departments) filters as one types
        element = {"type": "Input.ChoiceSet", **common, "style": style, "choices": choices, **placeholder}
        if any(option.value == value for option in item.options):
            element["value"] = value
        element["errorMessage"] = t("error.invalid_option", lang)
    elif item.kind == "checkbox" and len(item.options) <= 1:
        on = _toggle_on(item)
        title = item.options[0].label if item.options else item.label
        element = {"type": "Input.Toggle", **common, "title": title, "valueOn": on, "valueOff": "", "wrap": True}
        element["value"] = on if on in value.split(",") else ""
    elif item.kind == "checkbox":
        choices = [{"title": option.label, "value": option.value} for option in item.options]
        element = {"type": "Input.ChoiceSet", **common, "isMultiSelect": True, "style": "expanded", "choices": choices}
        picked = [option.value for option in item.options if option.value in value.split(",")]
        if picked:
            element["value"] = ",".join(picked)
        element["errorMessage"] = t("error.invalid_option", lang)
    else:
        element = {"type": "Input.Number", **common, **placeholder}
        number = _number(value)
        if number is not None:
            element["value"] = number
        element["errorMessage"] = t("error.not_a_number", lang)
    return element


def _toggle_on(item: Input) -> str:
    """The value a checked single checkbox gives (its one option's value, else "true", as on Slack)."""
    return item.options[0].value if item.options else "true"


def _number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        number = _number(str(value))
        return "" if number is None else str(number)
    return value if isinstance(value, str) else ""


def _text(text: str, **properties: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **properties}


def _error(text: str) -> Element:
    return _text(text, color="Attention", spacing="Small")


def _without_inline_images(value: Any) -> Any:
    if isinstance(value, str):
        return "" if value.startswith("data:") and ";base64," in value[:64] else value
    if isinstance(value, Mapping):
        return {key: _without_inline_images(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_inline_images(item) for item in value]
    return value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
