"""A content folder in and out of the database (``kiun content export`` and ``import``).

Export writes the city's own served items (or, with everything, the whole served tree) as files in the layout of
``content/``. Import reads a folder in that layout, skips the files identical to what is served or to the bundled
file, checks all the others together (:func:`~bot.features.content.checks.check_new`) and, only when nothing is
wrong, publishes each as a new version, audit logged as ``import``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from bot.common.content_files import ContentError, Problem, files, read_text, sort_problems
from bot.common.paths import content_dir
from bot.content import store, tree
from bot.content.models import ContentVersion
from bot.features.content.checks import check_new

CLI_PREFIX = "cli:"  # who, for what the CLI stores: "cli:" and the name given (not a platform user)
NOTE = "import"
LAYOUT = "lessons/*.md, lessons/curriculum.yml, facts/*.yml, data/*.csv, polls/*.yml, qa/synonyms.yml"


@dataclass(frozen=True)
class Written:
    """A file export wrote (relative to the folder) and the city's version in it (None: a bundled file)."""

    path: PurePath
    version: ContentVersion | None


def export(session: Session, into: Path, everything: bool = False) -> list[Written]:
    """Write the city's own served items (``everything``: the whole served tree) into ``into``."""
    served = store.served(session)
    with tempfile.TemporaryDirectory(prefix="kiun-export-") as scratch:
        built = Path(scratch)
        placed = tree.build(content_dir(), tree.served_items(session), built)
        city = {path.relative_to(built): served[key] for key, path in placed.items()}
        paths = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file()) if everything else sorted(city)
        for relative in paths:
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built / relative, into / relative)
    return [Written(PurePath(relative), city.get(relative)) for relative in paths]


def kind_of(relative: PurePath) -> str | None:
    """The content kind of a file at ``relative`` in a content folder (None: not a content file)."""
    for kind in ("curriculum", "synonyms"):
        if relative.as_posix() == store.KINDS[kind]:
            return kind
    if len(relative.parts) != 2 or relative.name.startswith((".", "_", "README")):
        return None
    return next(
        (
            kind
            for kind, suffixes in tree.SUFFIXES.items()
            if relative.parts[0] == store.KINDS[kind] and relative.suffix in suffixes
        ),
        None,
    )


@dataclass(frozen=True)
class Found:
    """A content file of the folder: where it is, and the item it is a version of."""

    path: Path
    relative: PurePath
    item: tree.Item


@dataclass
class Imported:
    """What an import did: the problems (then nothing is stored), the versions added, the files skipped."""

    problems: list[Problem] = field(default_factory=list)
    added: list[tuple[PurePath, ContentVersion]] = field(default_factory=list)
    unchanged: list[tuple[PurePath, str]] = field(default_factory=list)  # file, why: "served" | "bundled"
    ignored: list[PurePath] = field(default_factory=list)


def import_folder(session: Session, root: Path, user_id: str) -> Imported:
    """Publish the folder's new and changed content files as new versions, all or none (see module doc)."""
    result = Imported()
    found: list[Found] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        kind = kind_of(relative)
        if kind is None:
            result.ignored.append(relative)
            continue
        try:
            body = read_text(path)
        except ContentError as exc:
            result.problems.append(exc.problem)
            continue
        found.append(Found(path, relative, tree.Item(kind, store.key_of(kind, path.name, body), path.name, body)))
    served = store.served(session)
    new: list[Found] = []
    first: dict[tuple[str, str], PurePath] = {}
    for each in found:
        item = each.item
        version = served.get((item.kind, item.key))
        if version is not None and version.body == item.body:
            result.unchanged.append((each.relative, "served"))
        elif item.body == _bundled_text(item.kind, item.key):
            result.unchanged.append((each.relative, "bundled"))
        elif item.key and (item.kind, item.key) in first:
            other = first[(item.kind, item.key)]
            result.problems.append(Problem(each.path, 1, f"{item.kind} '{item.key}' is also in {other}"))
        else:
            first.setdefault((item.kind, item.key), each.relative)
            new.append(each)
    checked = check_new(session, [replace(each.item, filename=str(each.path)) for each in new])
    result.problems += checked.problems
    named = {problem.file for problem in result.problems}
    for each in new:
        if not each.item.key and Path(each.path) not in named:
            result.problems.append(Problem(each.path, 1, "the file says no id: add a line 'id: …'"))
    result.problems = sort_problems(result.problems)
    if result.problems:
        return result
    for each in new:
        item = each.item
        version = store.add_version(
            session, item.kind, item.key, item.filename, item.body, user_id, state=store.PUBLISHED, note=NOTE
        )
        store.record(session, user_id, "import", item.kind, item.key, version.number, each.relative.as_posix())
        result.added.append((each.relative, version))
    return result


def _bundled_text(kind: str, key: str) -> str | None:
    """The bundled file of the item, as text (None: there is none)."""
    base = content_dir()
    path: Path | None
    if kind in ("lesson", "fact"):
        path = tree.bundled_ids(base, kind).get(key)
    elif kind == "poll":
        path = next((p for p in files(base / "polls", ".yml", ".yaml") if p.stem == key), None)
    elif kind == "data":
        path = base / "data" / key
    else:
        path = base / store.KINDS[kind]
    if path is None or not path.is_file():
        return None
    try:
        return read_text(path)
    except ContentError:
        return None
