"""What the city has of each content kind: the bundled items, the city's own, and the version served for each.

Read by ``/kiun admin content`` (:mod:`.admin`) and the CLI's export; the versions themselves are in
:mod:`bot.content.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.common.content_files import files
from bot.content import store, tree
from bot.content.models import ContentVersion
from bot.features.lessons.facts import read_table

Kind = Literal["lesson", "fact", "data", "poll", "synonyms", "curriculum"]
ORDER: tuple[Kind, ...] = ("lesson", "fact", "data", "poll", "synonyms", "curriculum")  # as the DX office reads
SINGLE = ("synonyms", "curriculum")  # one item each, its key the kind's name


@dataclass(frozen=True)
class Entry:
    """One item of a kind: whether a bundled file has its key, and the city's version served (None: none)."""

    kind: str
    key: str
    bundled: bool
    served: ContentVersion | None

    @property
    def city_own(self) -> bool:
        """The city's own content is served (not the bundled file, not withdrawn)."""
        return self.served is not None and self.served.body is not None


def bundled_keys(base: Path, kind: str) -> list[str]:
    """The keys of the bundled items of ``kind``, in the folder's order."""
    if kind in ("lesson", "fact"):
        return list(tree.bundled_ids(base, kind))
    if kind == "data":
        return [path.name for path in files(base / "data", ".csv")]
    if kind == "poll":
        return [path.stem for path in files(base / "polls", ".yml", ".yaml")]
    return [kind] if (base / store.KINDS[kind]).is_file() else []


def entries(session: Session, base: Path, kind: str) -> list[Entry]:
    """Every item of ``kind``: the bundled ones in their order, then the city's others by key."""
    served = store.served(session)
    bundled = bundled_keys(base, kind)
    versioned = session.scalars(select(ContentVersion.key).where(ContentVersion.kind == kind).distinct()).all()
    others = sorted(set(versioned) - set(bundled))
    return [Entry(kind, key, key in bundled, served.get((kind, key))) for key in [*bundled, *others]]


def illustrative(root: Path) -> list[str]:
    """The data tables under ``root`` whose header says ``# illustrative: yes`` (file names)."""
    tables = ((path.name, read_table(path)[0]) for path in files(root / "data", ".csv"))
    return [name for name, table in tables if table is not None and table.illustrative]
