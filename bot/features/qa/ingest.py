"""Ingestion: files → chunks with title, heading path, page and source → the index.

Unchanged files (same SHA-256) are skipped; a changed file replaces the document's passages and adds a numbered
version (:class:`~bot.features.qa.models.QaDocumentVersion`, with the file); an unreadable file is reported by name
and reason while the rest goes on. Every new version and removal is in the content audit log.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.common import japanese
from bot.common.paths import content_dir
from bot.content import store
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.features.qa import dense
from bot.features.qa.extract import Part, Unreadable, extract, kind_of
from bot.features.qa.index import index_terms, indexed_text
from bot.features.qa.models import QaChunk, QaDocument, QaDocumentVersion, QaPosting

log = logging.getLogger(__name__)

CHUNK_CHARS = 400  # a passage short enough to quote, long enough to carry one point
MAX_FILE_BYTES = 50 * 1024 * 1024

Progress = Callable[[int, int, str], None]


@dataclass
class Outcome:
    """What happened to one file: added, updated, unchanged, failed (with the reason); for a new version, what
    was found in it (the upload report)."""

    source: str
    status: str
    reason: str = ""
    document_id: int | None = None
    chunks: int = 0
    version: int | None = None  # the document's version now
    title: str = ""
    sections: list[str] = field(default_factory=list)  # distinct heading paths, in document order
    pages: int | None = None  # a PDF's page count
    empty_pages: list[int] = field(default_factory=list)
    dated: date | None = None
    dated_by: str = ""


def collect(paths: Iterable[str | Path]) -> tuple[list[Path], list[Outcome]]:
    """Files to ingest from files and folders (folders: supported files, recursively, sorted), and the
    paths that cannot be taken (missing, unsupported) as failed outcomes."""
    files, problems = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p) and not _hidden(p, path)))
        elif not path.exists():
            problems.append(Outcome(str(raw), "failed", "ファイルが見つかりません"))
        elif kind_of(path) is None:
            problems.append(Outcome(str(raw), "failed", f"対応していない形式です（{path.suffix or '拡張子なし'}）"))
        else:
            files.append(path)
    return files, problems


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def source_name(path: Path) -> str:
    """How a file is named in the index: relative to the working directory when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def add_paths(core: Core, paths: Iterable[str | Path], added_by: str = "cli", progress: Progress | None = None):
    """Ingest files and folders; one outcome per file (problems included), in order."""
    files, outcomes = collect(paths)
    for number, path in enumerate(files, start=1):
        if progress:
            progress(number, len(files), path.name)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise Unreadable(f"ファイルが大きすぎます（{MAX_FILE_BYTES // 1024 // 1024}MBまで）")
            data = path.read_bytes()
        except OSError as exc:
            outcomes.append(Outcome(str(path), "failed", f"読み込めません（{exc.strerror or type(exc).__name__}）"))
            continue
        except Unreadable as exc:
            outcomes.append(Outcome(str(path), "failed", str(exc)))
            continue
        file_date = datetime.fromtimestamp(path.stat().st_mtime, core.settings.tz).date()
        outcomes.append(add_bytes(core, source_name(path), data, added_by, file_date))
    return outcomes


def add_bytes(
    core: Core,
    source: str,
    data: bytes,
    added_by: str = "cli",
    file_date: date | None = None,
    filename: str = "",
) -> Outcome:
    """Ingest one file's content under ``source`` (a path or an upload's name; ``filename``: as its sender named
    it, default the source's last part). The document is dated by the date its text gives (施行, 改定, …), else by
    ``file_date`` (an upload: today). A new document or a change adds a version (audit log: ``add``)."""
    digest = hashlib.sha256(data).hexdigest()
    with core.sessions() as session:
        existing = session.scalar(select(QaDocument).where(QaDocument.source == source))
        current = latest_version(session, existing.id) if existing is not None else 0
    if existing is not None and existing.sha256 == digest:
        return Outcome(
            source,
            "unchanged",
            document_id=existing.id,
            chunks=existing.chunk_count,
            version=current,
            title=existing.title,
        )
    try:
        extracted = extract(source, data)
    except Unreadable as exc:
        log.info("qa: cannot ingest %s: %s", source, exc)
        return Outcome(source, "failed", str(exc))
    pieces = [
        (_below_title(section, extracted.title), page, text) for section, page, text in chunk_parts(extracted.parts)
    ]
    vectors = dense.embed_passages(core, [indexed_text(extracted.title, s, t) for s, _, t in pieces])
    dated, dated_by = extracted.dated or (file_date or core.local_now().date(), "file")
    fields = {
        "title": extracted.title,
        "kind": kind_of(Path(source)) or "txt",
        "sha256": digest,
        "size": len(data),
        "chunk_count": len(pieces),
        "added_by": added_by,
        "dated": dated,
        "dated_by": dated_by,
        "updated_at": utcnow(),
    }
    with transaction(core.sessions) as session:
        document = session.scalar(select(QaDocument).where(QaDocument.source == source))
        if document is None:
            document = QaDocument(source=source[:500], **fields)
            session.add(document)
            session.flush()
        else:  # the same document, new passages (their postings go with them: ON DELETE CASCADE)
            session.execute(delete(QaChunk).where(QaChunk.document_id == document.id))
            for name, value in fields.items():
                setattr(document, name, value)
        chunks = [
            QaChunk(
                document_id=document.id,
                ordinal=i,
                section=section[:500],
                page=page,
                text=text,
                length=0,
                embedding=vectors[i] if vectors else None,
            )
            for i, (section, page, text) in enumerate(pieces)
        ]
        session.add_all(chunks)
        session.flush()
        write_postings(session, chunks, extracted.title)
        number = latest_version(session, document.id) + 1
        name = (filename or Path(source).name)[:200]
        session.add(
            QaDocumentVersion(
                document_id=document.id,
                number=number,
                filename=name,
                sha256=digest,
                size=len(data),
                added_by=added_by[:64],
                passages=len(pieces),
                pages=extracted.pages,
                data=data,
            )
        )
        store.record(session, added_by, "add", store.DOCUMENT, source, number, extracted.title)
        document_id = document.id
    return Outcome(
        source,
        "updated" if existing is not None else "added",
        document_id=document_id,
        chunks=len(pieces),
        version=number,
        title=extracted.title,
        sections=list(dict.fromkeys(section for section, _, _ in pieces if section)),
        pages=extracted.pages,
        empty_pages=extracted.empty_pages,
        dated=dated if dated_by != "file" else None,
        dated_by=dated_by if dated_by != "file" else "",
    )


def latest_version(session: Session, document_id: int) -> int:
    """The document's newest version number (0: none yet)."""
    return (
        session.scalar(select(func.max(QaDocumentVersion.number)).where(QaDocumentVersion.document_id == document_id))
        or 0
    )


def write_postings(session: Session, chunks: list[QaChunk], title: str) -> None:
    """Index flushed chunks (sets their lengths) with one bulk insert."""
    rows: list[dict[str, object]] = []
    for chunk in chunks:
        counts = Counter(index_terms(indexed_text(title, chunk.section, chunk.text)))
        chunk.length = sum(counts.values())
        rows.extend({"term": t, "chunk_id": chunk.id, "tf": tf, "length": chunk.length} for t, tf in counts.items())
    if rows:
        session.execute(insert(QaPosting), rows)


def _below_title(section: str, title: str) -> str:
    """The heading path without the document title itself ("ガイドライン > 3. 入力" → "3. 入力")."""
    return "" if section == title else section.removeprefix(f"{title} > ")


def chunk_parts(parts: list[Part], size: int = CHUNK_CHARS) -> list[tuple[str, int | None, str]]:
    """(section, page, text) passages of at most about ``size`` characters; paragraphs and then sentences are
    kept whole where they fit, and a passage never spans two sections or pages."""
    out: list[tuple[str, int | None, str]] = []
    for part in parts:
        buffer = ""
        for piece in _pieces(part.text, size):
            if buffer and len(buffer) + len(piece) + 1 > size:
                out.append((part.section, part.page, buffer))
                buffer = ""
            buffer = f"{buffer}\n{piece}" if buffer else piece
        if buffer:
            out.append((part.section, part.page, buffer))
    return out


def _pieces(text: str, size: int) -> list[str]:
    """Paragraphs; a paragraph longer than ``size`` is cut into sentences (and a very long sentence by size)."""
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= size:
            out.append(paragraph)
            continue
        for sentence in japanese.sentences(paragraph):
            out.extend(sentence[i : i + size] for i in range(0, len(sentence), size))
    return out


def remove(core: Core, document_id: int, removed_by: str = "cli") -> QaDocument | None:
    """Delete a document with its chunks and versions (audit log: ``remove``); returns it, or None when there is
    no such id."""
    with transaction(core.sessions) as session:
        document = session.get(QaDocument, document_id)
        if document is not None:
            version = latest_version(session, document_id) or None
            session.delete(document)
            store.record(session, removed_by, "remove", store.DOCUMENT, document.source, version, document.title)
        return document


def documents(core: Core) -> list[QaDocument]:
    with core.sessions() as session:
        return list(session.scalars(select(QaDocument).order_by(QaDocument.id)))


def reindex(core: Core, progress: Progress | None = None) -> int:
    """Rebuild the lexical index (and the vectors, when an embeddings model is set) from the stored chunks;
    returns the number of chunks. Use after changing how text is indexed."""
    with core.sessions() as session:
        docs = list(session.execute(select(QaDocument.id, QaDocument.title).order_by(QaDocument.id)).all())
    total = 0
    for number, (document_id, title) in enumerate(docs, start=1):
        if progress:
            progress(number, len(docs), title)
        with transaction(core.sessions) as session:
            chunks = list(session.scalars(select(QaChunk).where(QaChunk.document_id == document_id)))
            session.query(QaPosting).filter(QaPosting.chunk_id.in_([c.id for c in chunks])).delete(
                synchronize_session=False
            )
            write_postings(session, chunks, title)
            vectors = dense.embed_passages(core, [indexed_text(title, c.section, c.text) for c in chunks])
            embeddings: list[list[float] | None] = list(vectors) if vectors else [None] * len(chunks)
            for chunk, vector in zip(chunks, embeddings, strict=True):
                chunk.embedding = vector
            total += len(chunks)
    dense.forget()
    return total


def ensure_sample(core: Core) -> None:
    """Index the bundled sample documents (``content/docs``) when the index is empty: the console demo works
    out of the box. Slack never does this; there the DX office adds the city's own documents."""
    with core.sessions() as session:
        if session.scalar(select(QaDocument.id).limit(1)) is not None:
            return
    outcomes = add_paths(core, [content_dir() / "docs"], added_by="sample")
    log.info("qa: indexed the sample documents (%d files)", len(outcomes))
