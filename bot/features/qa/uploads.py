"""Documents an admin sends in chat: checked at once (type, size), ingested on the deferred-work queue, and reported
by DM (title, sections, passages, pages, the document's date, problems).

:func:`accept` takes an upload the caller has saved (:func:`bot.content.store.save_upload`); the upload is removed
once it is handled (refused, or ingested: the document's version keeps the file). A file that cannot be read
(scanned, encrypted, corrupt, empty) is reported and nothing is indexed; any other failure is retried by the queue.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import FieldItem, Reply, Section
from bot.chat.request import Request
from bot.common.text import truncate
from bot.content import store
from bot.content.models import ContentUpload
from bot.db.session import transaction
from bot.delivery.deferred import defer, task
from bot.features.qa.answer import dated_text
from bot.features.qa.extract import SUFFIXES
from bot.features.qa.ingest import Outcome, add_bytes

log = logging.getLogger(__name__)

MAX_MB = 20
MAX_BYTES = MAX_MB * 1024 * 1024
SECTIONS_SHOWN = 3  # heading paths named in the report
SECTION_CHARS = 40


def source_of(upload: ContentUpload) -> str:
    """The document an upload is a version of: the same name from the same platform is the same document."""
    return f"{upload.platform}/{upload.filename}"


def accept(core: Core, request: Request, upload: ContentUpload) -> Reply:
    """Check a saved upload and queue its ingestion; the answer says it was received (or why it was refused)."""
    lang, name = request.lang, literal(upload.filename)
    if not request.is_admin:
        _handled(core, upload)
        return Reply(text=t("docs.upload_admin_only", lang))
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        shown = literal(suffix or t("docs.upload.no_suffix", lang))
        refusal = t("docs.upload.wrong_type", lang, name=name, suffix=shown, limit=MAX_MB)
    elif upload.size > MAX_BYTES:
        size = f"{upload.size / 1024 / 1024:.1f}"
        refusal = t("docs.upload.too_large", lang, name=name, size=size, limit=MAX_MB)
    elif upload.size == 0:
        refusal = t("docs.upload.empty", lang, name=name)
    else:
        payload = {"upload": upload.id, "sha256": upload.sha256, "name": upload.filename, "lang": lang}
        key = f"docs-upload:{upload.id}:{uuid.uuid4().hex[:12]}"  # SQLite may reuse a handled upload's id
        ack = Reply(text=t("docs.upload.accepted", lang, name=name), ephemeral=False)
        return defer(core, "docs-upload", payload, key=key, ack=ack, reply_to=request.user)
    _handled(core, upload, refused=refusal, user_id=request.user_id)
    return Reply(text=refusal, ephemeral=False)


@task("docs-upload")
def ingest_upload(core: Core, payload: dict[str, Any]) -> Reply:
    """Ingest a queued upload and report what was found (a database failure raises: the queue retries it)."""
    lang, name = payload["lang"], literal(payload["name"])
    with core.sessions() as session:
        upload = session.get(ContentUpload, payload["upload"])
    if upload is None or upload.sha256 != payload["sha256"]:  # an earlier attempt handled it, then stopped
        return Reply(text=t("docs.upload.gone", lang, name=name))
    outcome = add_bytes(core, source_of(upload), upload.data, added_by=upload.user_id, filename=upload.filename)
    _handled(core, upload, refused=outcome.reason if outcome.status == "failed" else "", user_id=upload.user_id)
    return report(outcome, name, lang)


def _handled(core: Core, upload: ContentUpload, *, refused: str = "", user_id: str = "") -> None:
    """Drop the upload (a version keeps an ingested file); a refusal goes to the audit log."""
    with transaction(core.sessions) as session:
        session.execute(delete(ContentUpload).where(ContentUpload.id == upload.id))
        if refused:
            store.record(session, user_id, "refuse", store.DOCUMENT, source_of(upload), None, refused)


def report(outcome: Outcome, name: str, lang: str) -> Reply:
    """The DM after an upload was ingested: what kiun found in it, or why nothing changed."""
    if outcome.status == "failed":
        return Reply(text=t("docs.report.failed", lang, name=name, reason=literal(outcome.reason)), ephemeral=False)
    if outcome.status == "unchanged":
        return Reply(text=t("docs.report.unchanged", lang, name=name, version=outcome.version), ephemeral=False)
    title = literal(outcome.title)
    headline = t(f"docs.report.{outcome.status}", lang, name=name, title=title, version=outcome.version)
    fields = [
        FieldItem(label=t("docs.report.field.title", lang), value=title),
        FieldItem(label=t("docs.report.field.sections", lang), value=_sections(outcome, lang)),
        FieldItem(label=t("docs.report.field.passages", lang), value=t("docs.count", lang, count=outcome.chunks)),
    ]
    if outcome.pages is not None:
        pages = t("docs.pages", lang, count=outcome.pages)
        fields.append(FieldItem(label=t("docs.report.field.pages", lang), value=pages))
    notes = []
    if outcome.dated is not None:
        dated = dated_text(outcome.dated, outcome.dated_by, lang)
        fields.append(FieldItem(label=t("docs.report.field.dated", lang), value=dated))
    else:
        notes.append(t("docs.report.no_date", lang))
    if outcome.empty_pages:
        shown = "、".join(str(page) for page in outcome.empty_pages)
        notes.append(t("docs.report.empty_pages", lang, pages=truncate(shown, 60)))
    sections = [Section(text=f"**{headline}**", fields=fields)]
    if notes:
        sections.append(Section(text="\n".join(notes)))
    return Reply(text=headline, sections=sections, ephemeral=False)


def _sections(outcome: Outcome, lang: str) -> str:
    if not outcome.sections:
        return t("docs.report.no_sections", lang)
    shown = "、".join(literal(truncate(path, SECTION_CHARS)) for path in outcome.sections[:SECTIONS_SHOWN])
    more = "、…" if len(outcome.sections) > SECTIONS_SHOWN else ""
    return t("docs.report.sections", lang, count=len(outcome.sections), paths=shown + more)
