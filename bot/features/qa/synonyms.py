"""The administrative synonym list (``content/qa/synonyms.yml``): staff words and document words.

A question that holds a word of a group is also searched with the group's other words; its confidence and the
quoted sentence count the word as found where any word of its group is. The file is read again when it
changes (by modification time); a city's content folder without the file uses the bundled one.
:func:`check_synonyms` reports its problems with line numbers (``kiun content check``); a broken file counts
as an empty list (the problem is logged at start-up).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from bot.common import japanese
from bot.common.content_files import (
    ContentError,
    ContentModel,
    Invalid,
    Message,
    Problem,
    load_yaml,
    short_text,
    validate,
)
from bot.common.paths import bundled, content_dir

FILENAME = Path("qa") / "synonyms.yml"
MAX_WORD = 30
MAX_GROUP = 12
_cache: dict[Path, tuple[float, tuple[tuple[str, ...], ...]]] = {}
_lock = threading.Lock()


class SynonymsFile(ContentModel):
    groups: list[Annotated[list[Annotated[str, short_text(MAX_WORD)]], Field(min_length=2, max_length=MAX_GROUP)]]

    @field_validator("groups")
    @classmethod
    def _distinct(cls, groups: list[list[str]]) -> list[list[str]]:
        seen: dict[str, int] = {}
        for g, group in enumerate(groups):
            for w, word in enumerate(group):
                key = japanese.normalize(word).replace(" ", "")
                if len(key) < 2 and not key.isascii():
                    raise Invalid(
                        Message("synonym_short", "「{word}」 is too short (at least two characters)", word=word), g, w
                    )
                if key in seen and seen[key] != g:  # within a group, spelling variants (受け取/受取) are fine
                    text = Message(
                        "synonym_twice",
                        "「{word}」 is already in group {group}; a word belongs to one group",
                        word=word,
                        group=seen[key] + 1,
                    )
                    raise Invalid(text, g, w)
                seen[key] = g
        return groups


@dataclass(frozen=True)
class Match:
    """A word of the question (normalised) and the other words of its group."""

    word: str
    others: tuple[str, ...]


def synonyms_path(root: Path | None = None) -> Path:
    """The list in ``root`` (default: the content folder); a city's own content folder without one uses the
    bundled list."""
    path = (root or content_dir()) / FILENAME
    return path if root is not None or path.exists() else bundled("content") / FILENAME


def check_synonyms(root: Path | None = None) -> list[Problem]:
    path = synonyms_path(root)
    return _parse(path)[1] if path.exists() else []


def _parse(path: Path) -> tuple[tuple[tuple[str, ...], ...], list[Problem]]:
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return (), [exc.problem]
    spec, problems = validate(SynonymsFile, data, path, Message("what_synonyms", "the synonym list"))
    if spec is None:
        return (), problems
    normalized = (dict.fromkeys(japanese.normalize(w).replace(" ", "") for w in group) for group in spec.groups)
    return tuple(tuple(group) for group in normalized), problems


def groups(path: Path | None = None) -> tuple[tuple[str, ...], ...]:
    """The groups (normalised words), or none when the file is missing or broken."""
    path = path or synonyms_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return ()
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    found, problems = _parse(path)
    found = () if problems else found
    with _lock:
        _cache[path] = (mtime, found)
    return found


def matches(question: str, path: Path | None = None) -> list[Match]:
    """The words of ``question`` that have synonyms (the longest word of a group the question holds)."""
    text = japanese.normalize(question).replace(" ", "")
    out = []
    for group in groups(path):
        held = [word for word in group if word in text]
        if held:
            word = max(held, key=len)
            out.append(Match(word, tuple(other for other in group if other not in held)))
    return out


def expand(question: str, found: list[Match]) -> str:
    """The question followed by the other words of its words' groups (for the lexical search)."""
    others = [other for match in found for other in match.others]
    return f"{question}\n{'、'.join(others)}" if others else question


def augment(text: str, found: list[Match]) -> str:
    """``text`` (normalised) with the question's word added wherever one of its synonyms occurs, so the
    question's word counts as found there."""
    extra = [match.word for match in found if match.word not in text and any(o in text for o in match.others)]
    return f"{text}\n{' '.join(extra)}" if extra else text
