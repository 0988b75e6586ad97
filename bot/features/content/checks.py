"""Every content check (what ``kiun content check`` runs), and the check of new versions before they are stored:
the served tree with the new files laid over it is checked as a whole, and only the problems it adds count (so a
fact that no longer finds its data table is refused as well as a broken file)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.common.content_files import Message, Problem, sort_problems
from bot.common.paths import content_dir
from bot.content import tree
from bot.features.lessons.catalogue import check_lessons
from bot.features.lessons.facts import check_facts
from bot.features.polls.templates import check_templates
from bot.features.qa.synonyms import check_synonyms

Checker = Callable[[Path], list[Problem]]

CHECKERS: list[Checker] = [check_lessons, check_facts, check_templates, check_synonyms]


def check_all(root: Path | None = None) -> list[Problem]:
    """Every problem every checker finds under ``root`` (default: the content folder), sorted by file and line."""
    root = root or content_dir()
    return sort_problems(problem for checker in CHECKERS for problem in checker(root))


@dataclass(frozen=True)
class Checked:
    """New versions checked against the served content: the problems they add (files named as the uploader
    named them, paths of other files relative to the content folder), where each item would go, and the content
    folder with them laid over (``root``: only inside :func:`laid_over`)."""

    problems: list[Problem]
    placed: dict[tuple[str, str], Path]
    root: Path


def check_new(session: Session, items: Iterable[tree.Item]) -> Checked:
    """Check ``items`` laid over what is served now (see module doc)."""
    with laid_over(session, items) as checked:
        return checked


@contextlib.contextmanager
def laid_over(session: Session, items: Iterable[tree.Item]) -> Iterator[Checked]:
    """:func:`check_new`, with the content folder as it would be kept while the block runs (for a preview)."""
    items = list(items)
    base = content_dir()
    new_keys = {(item.kind, item.key) for item in items}
    kept = [item for item in tree.served_items(session) if (item.kind, item.key) not in new_keys]
    with (
        tempfile.TemporaryDirectory(prefix="kiun-check-") as before,
        tempfile.TemporaryDirectory(prefix="kiun-check-") as after,
    ):
        tree.build(base, kept, Path(before))
        placed = tree.build(base, kept + items, Path(after))
        old = {_relative(problem, Path(before)) for problem in check_all(Path(before))}
        names = {path: item.filename for item in items if (path := placed.get((item.kind, item.key)))}
        added = [
            _shown(problem, Path(after), names)
            for problem in check_all(Path(after))
            if _relative(problem, Path(after)) not in old
        ]
        relative = {key: path.relative_to(after) for key, path in placed.items()}
        yield Checked(sort_problems(added), relative, Path(after))


def _relative(problem: Problem, root: Path) -> Problem:
    try:
        return replace(problem, file=problem.file.relative_to(root))
    except ValueError:
        return problem


def _shown(problem: Problem, root: Path, names: dict[Path, str]) -> Problem:
    """The problem with its file as the uploader named it, or relative to the content folder (also in a problem it
    quotes, such as a fact's broken data table)."""
    file = Path(names[problem.file]) if problem.file in names else _relative(problem, root).file
    message = problem.message.replace(f"{root}/", "")
    params = {name: _param(value, root, names) for name, value in problem.params.items()}
    return replace(problem, file=file, message=message, params=params)


def _param(value: Any, root: Path, names: dict[Path, str]) -> Any:
    if isinstance(value, Problem):
        return _shown(value, root, names)
    if isinstance(value, Message):
        return Message(value.key, value.english, **{k: _param(v, root, names) for k, v in value.params.items()})
    return value
