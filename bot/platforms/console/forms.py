"""Forms (Slack modals) as prompted lines: each input on its own line, re-asked until it is acceptable."""

from __future__ import annotations

import math
import unicodedata

from bot.chat.i18n import t
from bot.chat.markup import plain
from bot.chat.reply import Form, Input
from bot.platforms.console.terminal import Terminal

YES = {"y", "yes", "はい", "1", "true"}
NO = {"n", "no", "いいえ", "0", "false"}


class FormCancelled(Exception):
    """The input ended in the middle of a form."""


def fill_form(
    term: Terminal, form: Form, lang: str, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, str]:
    """Ask for every input, or with ``errors`` only for the inputs they name (showing each message)."""
    values = dict(values or {})
    if errors:
        inputs = [item for item in form.inputs if item.name in errors]
    else:
        term.say(t("console.form_title", lang, title=plain(form.title)))
        if form.intro:
            term.say(plain(form.intro))
        inputs = form.inputs
    for item in inputs:
        if errors:
            term.say(t("console.field_error", lang, label=item.label, message=plain(errors[item.name])))
        values[item.name] = ask_input(term, item, lang)
    return values


def ask_input(term: Terminal, item: Input, lang: str) -> str:
    """One input's value; raises FormCancelled at end of input."""
    if item.hint:
        term.say(plain(item.hint))
    label = item.label
    if item.kind == "select":
        for number, option in enumerate(item.options, 1):
            term.say(f"  [{number}] {option.label}")
    elif item.kind == "checkbox":
        label += t("console.yes_no", lang)
    elif item.kind == "multiline":
        term.say(t("console.multiline_hint", lang))
    if item.initial:
        label += f" [{_initial_label(item)}]"
    optional = t("console.optional", lang) if item.optional else ""
    prompt = t("console.field_prompt", lang, label=label, optional=optional)
    while True:
        raw = _read(term, prompt, multiline=item.kind == "multiline")
        value, problem = parse_input(item, raw, lang)
        if problem is None:
            return value
        term.say(problem)


def _read(term: Terminal, prompt: str, multiline: bool) -> str:
    line = term.ask(prompt)
    if line is None:
        raise FormCancelled
    lines = [line]
    while multiline and lines[-1].strip():
        line = term.ask("")
        if line is None:
            raise FormCancelled
        lines.append(line)
    return "\n".join(lines).strip()


def _initial_label(item: Input) -> str:
    return next((option.label for option in item.options if option.value == item.initial), item.initial)


def parse_input(item: Input, raw: str, lang: str) -> tuple[str, str | None]:
    """(value, None) when ``raw`` is acceptable for ``item``, else ("", the message saying what to fix)."""
    if not raw:
        if item.initial or item.optional or item.kind == "checkbox":
            return item.initial, None
        return "", t("error.required", lang)
    plain = unicodedata.normalize("NFKC", raw).strip()
    if item.kind == "select":
        if plain.isdecimal() and 1 <= int(plain) <= len(item.options):
            return item.options[int(plain) - 1].value, None
        for option in item.options:
            if plain in (option.value, unicodedata.normalize("NFKC", option.label)):
                return option.value, None
        return "", t("error.invalid_option", lang)
    if item.kind == "checkbox":
        if plain.lower() in YES:
            return (item.options[0].value if item.options else "true"), None
        if plain.lower() in NO:
            return "", None
        return "", t("error.invalid_option", lang)
    if item.kind == "number":
        try:
            finite = math.isfinite(float(plain))
        except ValueError:
            finite = False
        return (plain, None) if finite else ("", t("error.not_a_number", lang))
    if item.max_length is not None and len(raw) > item.max_length:
        return "", t("error.too_long", lang, length=len(raw), limit=item.max_length)
    return raw, None
