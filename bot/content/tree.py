"""The content folder the loaders read: the bundled files with the city's published versions laid over them.

While the city has published nothing, :func:`content_root` is the bundled folder itself. Otherwise the folder is
built once per change (:func:`~bot.content.store.stamp`, one small query per call) in a private temporary folder,
so every loader and ``kiun content check`` read it exactly as they read ``content/``. A city lesson or fact with
the id of a bundled one takes that file's place (and its posting order); a new one is added beside them.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bot.common.content_files import files
from bot.common.paths import content_dir
from bot.content import store

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_ID = re.compile(r"^id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)
SUFFIXES = {"lesson": (".md",), "fact": (".yml", ".yaml"), "poll": (".yml", ".yaml"), "data": (".csv",)}


@dataclass(frozen=True)
class Item:
    """One item to lay over the bundled files (``body`` None: keep the bundled file)."""

    kind: str
    key: str
    filename: str
    body: str | None


def bundled_ids(base: Path, kind: str) -> dict[str, Path]:
    """The bundled files of ``kind`` (lesson, fact) by the id written in them."""
    found: dict[str, Path] = {}
    for path in files(base / store.KINDS[kind], *SUFFIXES[kind]):
        match = _ID.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            found.setdefault(match.group(1), path)
    return found


def place(base: Path, item: Item, taken: set[str]) -> str:
    """Where ``item`` goes in the tree (a path relative to it); ``taken``: paths already used by city items."""
    target = store.KINDS[item.kind]
    if item.kind in ("curriculum", "synonyms"):
        return target
    if item.kind == "data":
        return f"{target}/{item.key}"
    if item.kind == "poll":
        return f"{target}/{item.key}.yml"
    same = bundled_ids(base, item.kind).get(item.key)
    if same is not None:
        return f"{target}/{same.name}"
    suffix = SUFFIXES[item.kind][0]
    name = PurePath(item.filename).name
    if not (_SAFE_NAME.match(name) and name.endswith(SUFFIXES[item.kind])):
        name = f"{item.key}{suffix}" if _SAFE_NAME.match(item.key) else f"city{suffix}"
    path = f"{target}/{name}"
    number = 2
    while (base / path).exists() or path in taken:
        path = f"{target}/{PurePath(name).stem}-{number}{suffix}"
        number += 1
    return path


def build(base: Path, items: Iterable[Item], into: Path) -> dict[tuple[str, str], Path]:
    """Copy ``base`` into ``into`` and lay ``items`` over it; where each item went."""
    shutil.copytree(base, into, dirs_exist_ok=True, ignore=shutil.ignore_patterns("docs"))
    taken: set[str] = set()
    placed: dict[tuple[str, str], Path] = {}
    for item in sorted(items, key=lambda item: (item.kind, item.key)):
        if item.body is None:
            continue
        relative = place(base, item, taken)
        taken.add(relative)
        path = into / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.body, encoding="utf-8")
        placed[(item.kind, item.key)] = path
    return placed


def served_items(session: Session) -> list[Item]:
    """The city's published versions as items."""
    return [Item(row.kind, row.key, row.filename, row.body) for row in store.served(session).values()]


_lock = threading.Lock()
_built: dict[tuple[str, str], tuple[tuple[int, int, str], Path]] = {}
_previous: dict[tuple[str, str], Path] = {}
_scratch: Path | None = None


def content_root(bind: Engine | Connection | Session) -> Path:
    """The content folder for the database behind ``bind`` (see module doc)."""
    base = content_dir()
    session = bind if isinstance(bind, Session) else Session(bind)
    try:
        current = store.stamp(session)
        if current[0] == 0:
            return base
        engine = session.get_bind()
        cache_key = (str(engine.engine.url if isinstance(engine, Connection) else engine.url), str(base))
        with _lock:
            cached = _built.get(cache_key)
            if cached and cached[0] == current and cached[1].is_dir():
                return cached[1]
            folder = Path(tempfile.mkdtemp(prefix="tree-", dir=_scratch_dir()))
            build(base, served_items(session), folder)
            if cache_key in _previous:  # the one before last: no reader still holds it
                shutil.rmtree(_previous[cache_key], ignore_errors=True)
            if cached:
                _previous[cache_key] = cached[1]
            _built[cache_key] = (current, folder)
            return folder
    finally:
        if session is not bind:
            session.close()


def forget() -> None:
    """Drop the built folders (a database emptied under a running process, as the tests do, reuses ids)."""
    with _lock:
        _built.clear()
        _previous.clear()


def _scratch_dir() -> Path:
    global _scratch
    if _scratch is None or not _scratch.is_dir():
        _scratch = Path(tempfile.mkdtemp(prefix="kiun-content-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch
