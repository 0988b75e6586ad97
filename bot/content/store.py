"""Versions of the city's content items and the audit log.

An item is a ``kind`` (:data:`KINDS`) and a ``key``: the ``id:`` of a lesson or fact, a poll's file name (its id),
a data file's name, or ``curriculum`` / ``synonyms``. Each upload adds a numbered version as a draft; publishing
makes it the one served; reverting adds a published version (a copy of an earlier one, or ``body`` None: back to
the bundled file). Nothing is ever deleted, so the history and the audit log stay whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.models import ContentLog, ContentUpload, ContentVersion
from bot.db.types import utcnow

# kind → the folder (or file) of the content tree it lives in
KINDS = {
    "lesson": "lessons",
    "curriculum": "lessons/curriculum.yml",
    "fact": "facts",
    "data": "data",
    "poll": "polls",
    "synonyms": "qa/synonyms.yml",
}
DOCUMENT = "document"  # documents /ask answers from: versioned by the Q&A feature, logged here
DRAFT, PUBLISHED, DISCARDED = "draft", "published", "discarded"

_ID = re.compile(r"^id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def key_of(kind: str, filename: str, body: str) -> str:
    """The item an uploaded file is a version of ("" when the file does not say: its check reports why)."""
    name = PurePath(filename).name
    if kind in ("curriculum", "synonyms"):
        return kind
    if kind == "data":
        return name
    if kind == "poll":
        return PurePath(name).stem
    match = _ID.search(body)
    return match.group(1)[:100] if match else ""


def record(
    session: Session, user_id: str, action: str, kind: str, key: str, version: int | None = None, detail: str = ""
) -> None:
    """Add an entry to the audit log (in the caller's transaction)."""
    session.add(ContentLog(user_id=user_id, action=action, kind=kind, key=key[:300], version=version, detail=detail))


def log_entries(session: Session, limit: int = 50) -> Sequence[ContentLog]:
    """The newest ``limit`` audit entries, newest first."""
    return session.scalars(select(ContentLog).order_by(ContentLog.id.desc()).limit(limit)).all()


def save_upload(
    session: Session, user_id: str, platform: str, filename: str, data: bytes, sha256: str
) -> ContentUpload:
    """Keep an uploaded file until it is handled."""
    upload = ContentUpload(
        user_id=user_id, platform=platform, filename=filename[:200], data=data, size=len(data), sha256=sha256
    )
    session.add(upload)
    session.flush()
    return upload


def add_version(
    session: Session,
    kind: str,
    key: str,
    filename: str,
    body: str | None,
    user_id: str,
    *,
    state: str = DRAFT,
    note: str = "",
) -> ContentVersion:
    """A new numbered version of the item; published at once unless it is a draft."""
    number = (
        session.scalar(
            select(func.max(ContentVersion.number)).where(ContentVersion.kind == kind, ContentVersion.key == key)
        )
        or 0
    ) + 1
    version = ContentVersion(
        kind=kind,
        key=key,
        number=number,
        filename=filename[:200],
        body=body,
        state=DRAFT,
        note=note[:200],
        created_by=user_id,
    )
    session.add(version)
    session.flush()
    if state == PUBLISHED:
        _publish(version, user_id)
    return version


def _publish(version: ContentVersion, user_id: str) -> None:
    version.state, version.published_by, version.published_at = PUBLISHED, user_id, utcnow()


def publish(session: Session, version: ContentVersion, user_id: str) -> None:
    """Serve ``version`` from now on (a draft only: pressing 公開 twice publishes once)."""
    if version.state == DRAFT:
        _publish(version, user_id)
        record(session, user_id, "publish", version.kind, version.key, version.number)


def discard(session: Session, version: ContentVersion, user_id: str) -> None:
    """Drop a draft (it stays in the history as discarded)."""
    if version.state == DRAFT:
        version.state = DISCARDED
        record(session, user_id, "discard", version.kind, version.key, version.number)


def revert(session: Session, kind: str, key: str, user_id: str, to: ContentVersion | None) -> ContentVersion:
    """Serve an earlier version again (``to``) or the bundled file (None), as a new published version."""
    body, filename = (to.body, to.filename) if to is not None else (None, "")
    note = f"v{to.number}" if to is not None else "bundled"
    version = add_version(session, kind, key, filename, body, user_id, state=PUBLISHED, note=note)
    record(session, user_id, "revert", kind, key, version.number, note)
    return version


def served(session: Session) -> dict[tuple[str, str], ContentVersion]:
    """The version served for each item the city has published something for (``body`` None: the bundled file)."""
    rows = session.scalars(
        select(ContentVersion)
        .where(ContentVersion.state == PUBLISHED)
        .order_by(ContentVersion.published_at, ContentVersion.id)
    ).all()
    return {(row.kind, row.key): row for row in rows}


def history(session: Session, kind: str, key: str) -> Sequence[ContentVersion]:
    """Every version of an item, newest first."""
    return session.scalars(
        select(ContentVersion)
        .where(ContentVersion.kind == kind, ContentVersion.key == key)
        .order_by(ContentVersion.number.desc())
    ).all()


def stamp(session: Session) -> tuple[int, int, str]:
    """Changes whenever what is served changes (a publish or a revert): the published versions' count, newest id
    and newest publication time (ids alone could repeat on a database restored from a backup)."""
    count, newest, latest = session.execute(
        select(func.count(ContentVersion.id), func.max(ContentVersion.id), func.max(ContentVersion.published_at)).where(
            ContentVersion.state == PUBLISHED
        )
    ).one()
    return int(count or 0), int(newest or 0), str(latest or "")
