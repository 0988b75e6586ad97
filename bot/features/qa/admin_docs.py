"""``/kiun admin docs [list | search <words> | show <id> | remove <id>]``: the documents /ask answers from, managed
from chat (removal asks first, and is in the audit log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.features.admin.handlers import unknown
from bot.features.qa.actions import KeepDocument, RemoveDocument
from bot.features.qa.answer import dated_text
from bot.features.qa.ingest import remove
from bot.features.qa.models import QaChunk, QaDocument, QaDocumentVersion
from bot.features.qa.search import search
from bot.features.qa.uploads import MAX_MB

LISTED = 30  # documents shown by list and search
SEARCHED = 10  # passages the Q&A search looks at for its top documents
WORDS = "`/kiun admin docs list|search|show|remove`"
TOOLS = ("cli", "sample")  # added_by of documents added on the server, not by a person in chat


@dataclass
class Listed:
    """A document as the list shows it, with its newest version number."""

    document: QaDocument
    version: int


def admin_docs(core: Core, request: Request) -> Reply:
    words = request.text.split()
    word, rest = (words[0], words[1:]) if words else ("list", [])
    if word == "list" and not rest:
        return listing(core, request)
    if word == "search":
        return search_reply(core, request, " ".join(rest))
    if word in ("show", "remove"):
        document = _document(core, rest)
        if document is None:
            shown = literal(" ".join(rest)[:20])
            key = "docs.admin.bad_id" if rest else "docs.admin.id_usage"
            return Reply(text=t(key, request.lang, text=shown, word=word))
        return show(core, request, document) if word == "show" else confirm(core, request, document)
    return unknown(request, " ".join(["admin", "docs", *words]), WORDS)


def _document(core: Core, rest: list[str]) -> QaDocument | None:
    text = rest[0] if len(rest) == 1 else ""
    if not (text.isascii() and text.isdecimal() and 0 < int(text) < 2**31):
        return None
    with core.sessions() as session:
        return session.get(QaDocument, int(text))


def _listed(session: Session, documents: Sequence[QaDocument]) -> list[Listed]:
    ids = [document.id for document in documents]
    rows = session.execute(
        select(QaDocumentVersion.document_id, func.max(QaDocumentVersion.number))
        .where(QaDocumentVersion.document_id.in_(ids))
        .group_by(QaDocumentVersion.document_id)
    ).all()
    versions = dict(rows)
    return [Listed(document, versions.get(document.id, 0)) for document in documents]


def who(added_by: str, lang: str) -> str:
    return t("docs.admin.by_server", lang) if added_by in TOOLS else person(added_by)


def _when(core: Core, document: QaDocument) -> str:
    return document.updated_at.astimezone(core.settings.tz).strftime("%Y-%m-%d %H:%M")


def _row(core: Core, item: Listed, lang: str) -> str:
    document = item.document
    dated = dated_text(document.dated, document.dated_by, lang) if document.dated else "—"
    return t(
        "docs.admin.row",
        lang,
        id=document.id,
        title=literal(document.title),
        kind=document.kind.upper(),
        version=item.version,
        date=dated,
        passages=document.chunk_count,
        who=who(document.added_by, lang),
        when=_when(core, document),
    )


def _rows(core: Core, items: list[Listed], total: int, lang: str) -> str:
    lines = [f"- {_row(core, item, lang)}" for item in items[:LISTED]]
    if total > LISTED:
        lines.append(t("docs.admin.more", lang, count=total - LISTED))
    return "\n".join(lines)


def listing(core: Core, request: Request) -> Reply:
    """Every document, the newest change first, with how to manage them."""
    lang = request.lang
    with core.sessions() as session:
        total = session.scalar(select(func.count(QaDocument.id))) or 0
        chunks = session.scalar(select(func.count(QaChunk.id))) or 0
        newest = session.scalars(
            select(QaDocument).order_by(QaDocument.updated_at.desc(), QaDocument.id.desc()).limit(LISTED)
        ).all()
        items = _listed(session, newest)
    title = t("docs.admin.title", lang, count=total, chunks=chunks)
    body = _rows(core, items, total, lang) if items else t("docs.admin.none", lang)
    usage = t("docs.admin.usage", lang, limit=MAX_MB)
    return Reply(text=title, sections=[Section(text=f"**{title}**\n{body}"), Section(text=usage)])


def search_reply(core: Core, request: Request, words: str) -> Reply:
    """Documents whose title or source holds every word, then the Q&A search's top documents for the words."""
    lang = request.lang
    if not words.strip():
        return Reply(text=t("docs.admin.search_usage", lang))
    terms = words.split()
    named = and_(
        *(
            or_(QaDocument.title.icontains(w, autoescape=True), QaDocument.source.icontains(w, autoescape=True))
            for w in terms
        )
    )
    sources = list(dict.fromkeys(hit.source for hit in search(core, words, SEARCHED)))
    with core.sessions() as session:
        by_name = session.scalars(select(QaDocument).where(named).order_by(QaDocument.title, QaDocument.id)).all()
        by_text = {d.source: d for d in session.scalars(select(QaDocument).where(QaDocument.source.in_(sources)))}
        found = list({d.id: d for d in [*by_name, *(by_text[s] for s in sources if s in by_text)]}.values())
        items = _listed(session, found)
    shown = literal(words.strip()[:40])
    if not items:
        return Reply(text=t("docs.admin.search_none", lang, words=shown))
    title = t("docs.admin.search_title", lang, words=shown, count=len(items))
    return Reply(text=title, sections=[Section(text=f"**{title}**\n{_rows(core, items, len(items), lang)}")])


def show(core: Core, request: Request, document: QaDocument) -> Reply:
    """A document and its versions, newest first."""
    lang = request.lang
    with core.sessions() as session:
        versions = session.scalars(
            select(QaDocumentVersion)
            .where(QaDocumentVersion.document_id == document.id)
            .order_by(QaDocumentVersion.number.desc())
        ).all()
        [item] = _listed(session, [document])
    lines = [
        t(
            "docs.admin.version_row",
            lang,
            number=version.number,
            when=version.created_at.astimezone(core.settings.tz).strftime("%Y-%m-%d %H:%M"),
            who=who(version.added_by, lang),
            filename=literal(version.filename),
            size=_size(version.size),
            passages=version.passages,
        )
        + (t("docs.admin.version_pages", lang, count=version.pages) if version.pages is not None else "")
        for version in versions
    ]
    title = t("docs.admin.show_title", lang, id=document.id, title=literal(document.title))
    detail = t("docs.admin.show_source", lang, source=literal(document.source), row=_row(core, item, lang))
    history = "\n".join(f"- {line}" for line in lines) or t("docs.admin.no_versions", lang)
    hint = t("docs.admin.show_hint", lang, id=document.id)
    return Reply(
        text=title,
        sections=[Section(text=f"**{title}**\n{detail}"), Section(text=f"{history}\n{hint}")],
    )


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def confirm(core: Core, request: Request, document: QaDocument) -> Reply:
    """Ask before removing: 削除する / やめる."""
    lang = request.lang
    with core.sessions() as session:
        [item] = _listed(session, [document])
    text = t("docs.admin.remove_confirm", lang, id=document.id, title=literal(document.title), versions=item.version)
    buttons = [
        RemoveDocument(document=document.id).button(t("docs.admin.remove_button", lang), "danger"),
        KeepDocument(document=document.id).button(t("docs.admin.keep_button", lang)),
    ]
    return Reply(text=text, sections=[Section(text=text, buttons=buttons)])


def remove_document(core: Core, request: Request, action: RemoveDocument) -> Reply:
    if not request.is_admin:
        return Reply(text=t("error.not_admin", request.lang))
    document = remove(core, action.document, removed_by=request.user_id)
    if document is None:
        return Reply(text=t("docs.admin.gone", request.lang, id=action.document))
    return Reply(text=t("docs.admin.removed", request.lang, id=document.id, title=literal(document.title)))


def keep_document(core: Core, request: Request, action: KeepDocument) -> Reply:
    if not request.is_admin:
        return Reply(text=t("error.not_admin", request.lang))
    return Reply(text=t("docs.admin.kept", request.lang, id=action.document))
