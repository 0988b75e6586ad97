"""Content problems worded for the DX office: ``file:line: message`` in the catalogue's language.

A :class:`~bot.common.content_files.Problem` carries its English text and the key and values of its wording;
:func:`describe` words it with ``content.problem.<key>`` from ``bot/chat/messages.yml``. A problem without a key
(a validator that does not word its problem) is shown in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.chat.i18n import t
from bot.common.content_files import Message, Problem, display_path

PREFIX = "content.problem."


def describe(problem: Problem, lang: str = "ja", file: str | None = None) -> str:
    """``file:line: message``; ``file`` is shown as given (e.g. the name the uploader gave), else its path."""
    shown = display_path(problem.file) if file is None else file
    return f"{shown}:{problem.line}: {message(problem, lang)}"


def message(problem: Problem, lang: str = "ja") -> str:
    """What is wrong and what to fix, in ``lang`` (the English text when the problem has no key)."""
    return _worded(problem.key, problem.params, lang) if problem.key else problem.message


def _worded(key: str, params: Mapping[str, Any], lang: str) -> str:
    return t(PREFIX + key, lang, **{name: _value(value, lang) for name, value in params.items()})


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return _worded(value.key, value.params, lang) if value.key else str(value)
    if isinstance(value, Problem):
        return describe(value, lang)
    return value
