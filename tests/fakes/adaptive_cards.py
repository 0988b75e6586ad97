"""What Teams would refuse or misrender in an Adaptive Card, checked with the Teams SDK's own card models.

``microsoft_teams.cards`` has a pydantic model per element and action (``TextBlock``, ``ExecuteAction``, …), but
a container's children are typed as the base ``CardElement`` with extra fields allowed, so validating the root
checks nothing below it. :func:`card_problems` therefore validates every element by its own model (found from its
``type``), refuses property names the model does not have (a typo, a snake_case key) and unknown nested keys (a
fact, a choice, a mention), and adds what the models leave optional but Adaptive Cards 1.5 requires. Types are
limited to the elements and actions of schema 1.5. One Teams quirk: Microsoft's Teams docs write
``msteams.width`` as ``"Full"``, the SDK's model only ``"full"``; both are accepted.
"""

from __future__ import annotations

import re
from typing import Any

from microsoft_teams.cards import core
from pydantic import BaseModel, ValidationError

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# The element and action types of Adaptive Cards 1.5 (adaptivecards.io schema explorer).
TYPES_1_5 = {
    "AdaptiveCard",
    "TextBlock",
    "Image",
    "Media",
    "RichTextBlock",
    "TextRun",
    "ActionSet",
    "Container",
    "ColumnSet",
    "Column",
    "FactSet",
    "ImageSet",
    "Table",
    "TableRow",
    "TableCell",
    "Input.Text",
    "Input.Number",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Input.ChoiceSet",
    "Action.OpenUrl",
    "Action.Submit",
    "Action.ShowCard",
    "Action.ToggleVisibility",
    "Action.Execute",
}

# Required in schema 1.5 but Optional in the SDK's models.
REQUIRED = {
    "TextBlock": ("text",),
    "Image": ("url",),
    "Container": ("items",),
    "ActionSet": ("actions",),
    "FactSet": ("facts",),
    "Input.Text": ("id",),
    "Input.Number": ("id",),
    "Input.Toggle": ("id", "title"),
    "Input.ChoiceSet": ("id", "choices"),
}
NESTED_REQUIRED = {core.Fact: ("title", "value"), core.Choice: ("title", "value"), core.Mention: ("text", "mentioned")}
FREE_FORM = (core.SubmitActionData,)  # an action's data is the bot's own
GENERIC = (core.CardElement, core.Action, core.ContainerLayout)  # children: checked by their own model

MODELS: dict[str, type[core.SerializableObject]] = {
    model.model_fields["type"].default: model
    for model in vars(core).values()
    if isinstance(model, type)
    and issubclass(model, core.SerializableObject)
    and "type" in model.model_fields
    and isinstance(model.model_fields["type"].default, str)
}
_MENTION = re.compile(r"<at>.*?</at>")


def _keys(model: type[BaseModel]) -> set[str]:
    """The JSON property names ``model`` knows (its fields' aliases)."""
    alias = core.SerializableObject.serialization_alias_generator
    return {field.alias or alias(name) for name, field in model.model_fields.items()}


def card_problems(card: dict[str, Any]) -> list[str]:
    """Every problem with ``card`` (an AdaptiveCard's content), each naming where it is; [] when Teams takes it."""
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append(f"root: type is {card.get('type')!r}, not 'AdaptiveCard'")
    if card.get("version") != "1.5" or card.get("$schema") != SCHEMA:
        problems.append(f"root: version {card.get('version')!r} / $schema {card.get('$schema')!r}")
    _element(card, "root", problems)
    problems += _mention_problems(card)
    ids = [node.get("id") for node in _nodes(card) if str(node.get("type", "")).startswith("Input.")]
    if len(ids) != len(set(ids)):
        problems.append(f"inputs: ids repeat {ids}")
    return problems


def _element(node: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = node.get("type")
    if kind not in TYPES_1_5 or kind not in MODELS:
        problems.append(f"{where}: {kind!r} is not an Adaptive Cards 1.5 element or action")
        return
    model = MODELS[kind]
    where = f"{where}/{kind}"
    allowed = _keys(model) | ({"$schema"} if kind == "AdaptiveCard" else set())
    unknown = sorted(set(node) - allowed)
    if unknown:
        problems.append(f"{where}: unknown properties {unknown}")
    problems += [f"{where}: {name} is required" for name in REQUIRED.get(kind, ()) if node.get(name) in (None, "")]
    checked = dict(node)
    msteams = node.get("msteams")
    if kind == "AdaptiveCard" and isinstance(msteams, dict) and msteams.get("width") == "Full":
        checked["msteams"] = {**msteams, "width": "full"}
    try:
        _nested(model.model_validate(checked, strict=True), where, problems)
    except ValidationError as exc:
        problems += [f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    for key, value in node.items():
        if key in ("data", "msteams", "facts", "choices"):
            continue  # the bot's own data, and typed values _nested checked
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if isinstance(child, dict) and "type" in child:
                _element(child, f"{where}.{key}[{index}]", problems)


def _nested(instance: BaseModel, where: str, problems: list[str]) -> None:
    """Unknown keys and missing required ones in the typed values below an element (facts, choices, mentions)."""
    for name, value in instance:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, core.SerializableObject) or isinstance(item, GENERIC + FREE_FORM):
                continue
            label = f"{where}.{name}/{type(item).__name__}"
            if item.model_extra:
                problems.append(f"{label}: unknown properties {sorted(item.model_extra)}")
            for required in NESTED_REQUIRED.get(type(item), ()):
                if getattr(item, required) in (None, ""):
                    problems.append(f"{label}: {required} is required")
            _nested(item, label, problems)


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every dict below ``node`` (itself included), actions' data left out."""
    if isinstance(node, list):
        return [found for item in node for found in _nodes(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(found for key, value in node.items() if key != "data" for found in _nodes(value))]


def _mention_problems(card: dict[str, Any]) -> list[str]:
    """Each ``<at>…</at>`` in a TextBlock or fact has its entity in ``msteams.entities``, and each entity is used."""
    texts = [node.get("text", "") for node in _nodes(card.get("body", [])) if node.get("type") == "TextBlock"]
    texts += [
        f"{fact.get('title', '')} {fact.get('value', '')}"
        for node in _nodes(card.get("body", []))
        for fact in node.get("facts", [])
    ]
    written = {found for text in texts for found in _MENTION.findall(text)}
    entities = {entity.get("text") for entity in (card.get("msteams") or {}).get("entities", [])}
    problems = [f"mention {text!r} has no entity" for text in sorted(written - entities)]
    return problems + [f"entity {text!r} is not in the card's text" for text in sorted(entities - written)]
