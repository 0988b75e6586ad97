"""Files an admin sends kiun in the 1:1 chat: documents go to the Q&A; lessons, facts, data tables, poll templates,
synonyms and the curriculum are checked exactly as ``kiun content check`` checks them, then shown as a preview with
公開 / 取り消し. Nothing invalid is stored; every upload is in the audit log.

A word with the files (文書, レッスン, データ, アンケート, 同義語, カリキュラム) says what they are; otherwise kiun
tells by the file (its type and, for YAML, its keys) and asks with buttons when it cannot.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import yaml

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Image, Reply, Section
from bot.chat.request import Request
from bot.common.content_files import Problem
from bot.content import store, tree
from bot.content.models import ContentUpload, ContentVersion
from bot.content.problems import describe
from bot.db.session import transaction
from bot.features.content.actions import ChooseKind, Discard, Publish
from bot.features.content.checks import laid_over
from bot.features.content.preview import preview
from bot.features.qa.extract import SUFFIXES as DOCUMENT_TYPES
from bot.features.qa.uploads import accept

MAX_BYTES = 1024 * 1024  # a content file (a lesson is at most 1,200 characters; a city's data table fits easily)
SHOWN_PROBLEMS = 15
DOCUMENT_SUFFIXES = tuple(DOCUMENT_TYPES)  # what the Q&A reads
YAML = (".yml", ".yaml")
SUFFIXES = {
    "lesson": (".md",),
    "curriculum": YAML,
    "fact": YAML,
    "data": (".csv",),
    "poll": YAML,
    "synonyms": YAML,
    store.DOCUMENT: DOCUMENT_SUFFIXES,
}
# the word sent with a file → the kinds it may mean (told apart by the file's type)
WORDS = {
    "文書": (store.DOCUMENT,),
    "ドキュメント": (store.DOCUMENT,),
    "document": (store.DOCUMENT,),
    "レッスン": ("lesson", "curriculum"),
    "lesson": ("lesson", "curriculum"),
    "カリキュラム": ("curriculum",),
    "curriculum": ("curriculum",),
    "データ": ("data", "fact"),
    "data": ("data", "fact"),
    "fact": ("fact",),
    "アンケート": ("poll",),
    "poll": ("poll",),
    "同義語": ("synonyms",),
    "synonyms": ("synonyms",),
}
ASKED = (store.DOCUMENT, "lesson", "fact", "data", "poll", "synonyms", "curriculum")


@dataclass
class Taken:
    """What handling a file says: its sections, and the chart of a previewed fact."""

    sections: list[Section]
    image: Image | None = None

    def reply(self) -> Reply:
        first = next((section.text for section in self.sections if section.text), "")
        return Reply(text=first.split("\n", 1)[0], sections=self.sections, image=self.image, ephemeral=False)


def receive(core: Core, request: Request) -> Reply:
    """The files of a message (see :meth:`bot.chat.router.Router.files`)."""
    lang = request.lang
    if not request.is_admin:
        return Reply(text=t("content.upload.admin_only", lang))
    word = unicodedata.normalize("NFKC", request.text).strip().split(maxsplit=1)[:1]
    kinds = WORDS.get(word[0].lower()) if word else None
    taken = Taken([])
    if word and kinds is None:
        taken.sections.append(Section(text=t("content.upload.unknown_word", lang, word=literal(word[0][:30]))))
    for key, value in request.values.items():
        what, _, name = key.partition(":")
        if what == "file_error":
            line = t("content.upload.failed", lang, name=literal(name), reason=literal(value))
            taken.sections.append(Section(text=line))
        elif what == "file":
            one = _one(core, request, name, Path(value), kinds)
            taken.sections += one.sections
            taken.image = taken.image or one.image
    return taken.reply()


def _one(core: Core, request: Request, name: str, path: Path, kinds: tuple[str, ...] | None) -> Taken:
    lang = request.lang
    try:
        data = path.read_bytes()
    except OSError:
        return Taken([Section(text=t("content.upload.failed", lang, name=literal(name), reason="read error"))])
    suffix = PurePath(name).suffix.lower()
    if not any(suffix in SUFFIXES[kind] for kind in kinds or SUFFIXES):
        wanted = kinds[0] if kinds else None
        key = "content.upload.wrong_format" if wanted else "content.upload.unsupported"
        formats = "、".join(SUFFIXES[wanted]) if wanted else ""
        text = t(key, lang, name=literal(name), kind=_label(wanted or "", lang), formats=formats)
        return Taken([_refused(core, request, wanted or "", name, text)])
    with transaction(core.sessions) as session:
        upload = store.save_upload(
            session, request.user_id, request.platform, name, data, hashlib.sha256(data).hexdigest()
        )
    kind = kind_of(kinds, suffix, data)
    if kind is None:
        return Taken([_ask(upload, lang)])
    return take(core, request, upload.id, kind)


def kind_of(kinds: tuple[str, ...] | None, suffix: str, data: bytes) -> str | None:
    """The kind of the file (None: ask), from the word sent with it and the file itself."""
    fitting = [kind for kind in kinds or ASKED if suffix in SUFFIXES[kind]]
    if len(fitting) == 1:
        return fitting[0]
    if suffix == ".md":  # a lesson has front matter with its id and quiz; a Markdown document usually has none
        head = data.removeprefix(b"\xef\xbb\xbf")
        if not head.startswith(b"---"):
            return store.DOCUMENT
        return "lesson" if b"\nquiz:" in head or b"\nid:" in head else None
    if suffix in YAML:
        return _yaml_kind(data)
    return store.DOCUMENT if store.DOCUMENT in fitting else None


def _yaml_kind(data: bytes) -> str | None:
    """fact, poll, synonyms or curriculum by the keys of a YAML file (None when it does not tell)."""
    try:
        parsed: Any = yaml.safe_load(data)
    except yaml.YAMLError:
        return None
    keys = set(parsed) if isinstance(parsed, dict) else set()
    for kind, needs in (
        ("synonyms", {"groups"}),
        ("curriculum", {"order"}),
        ("poll", {"questions"}),
        ("fact", {"id", "text"}),
    ):
        if needs <= keys:
            return kind
    return None


def _ask(upload: ContentUpload, lang: str) -> Section:
    buttons = [ChooseKind(upload=upload.id, kind=kind).button(_label(kind, lang)) for kind in _choices(upload.filename)]
    return Section(text=t("content.upload.ask", lang, name=literal(upload.filename)), buttons=buttons)


def _choices(filename: str) -> list[str]:
    suffix = PurePath(filename).suffix.lower()
    return [kind for kind in ASKED if suffix in SUFFIXES[kind]]


def choose_kind(core: Core, request: Request, action: ChooseKind) -> Reply:
    """A kind button under an upload kiun asked about."""
    if not request.is_admin:
        return Reply(text=t("content.upload.admin_only", request.lang))
    with core.sessions() as session:
        upload = session.get(ContentUpload, action.upload)
        name = upload.filename if upload else ""
    if upload is None:
        return Reply(text=t("content.upload.gone", request.lang))
    if action.kind not in _choices(name):
        return Reply(text=t("error.unknown_action", request.lang))
    return take(core, request, action.upload, action.kind).reply()


def take(core: Core, request: Request, upload_id: int, kind: str) -> Taken:
    """Handle a stored upload as ``kind``: a document goes to the Q&A; content is checked and previewed."""
    lang = request.lang
    with transaction(core.sessions) as session:
        upload = session.get(ContentUpload, upload_id)
        if upload is None or upload.kind:  # gone, or taken already (a second press)
            return Taken([Section(text=t("content.upload.gone", lang))])
        upload.kind = kind
        name, data = upload.filename, upload.data
        if kind != store.DOCUMENT:
            session.delete(upload)  # content is kept as its version (or, when invalid, not at all)
    if kind == store.DOCUMENT:
        with core.sessions() as session:  # the Q&A queues it, reports by DM, and drops the upload when done
            saved = session.get(ContentUpload, upload_id)
            if saved is None:
                return Taken([Section(text=t("content.upload.gone", lang))])
            session.expunge(saved)
        accepted = accept(core, request, saved)
        return Taken([Section(text=accepted.text), *accepted.sections], accepted.image)
    return _content(core, request, kind, name, data)


def _content(core: Core, request: Request, kind: str, name: str, data: bytes) -> Taken:
    lang = request.lang
    label = _label(kind, lang)
    if len(data) > MAX_BYTES:
        size, limit = f"{len(data) / 1024 / 1024:.1f} MB", f"{MAX_BYTES // 1024 // 1024} MB"
        too_large = t("content.upload.too_large", lang, name=literal(name), size=size, kind=label, limit=limit)
        return Taken([_refused(core, request, kind, name, too_large)])
    text = decode(data)
    if text is None:
        return Taken([_refused(core, request, kind, name, t("content.upload.not_text", lang, name=literal(name)))])
    key = store.key_of(kind, name, text)
    item = tree.Item(kind, key, name, text)
    with transaction(core.sessions) as session, laid_over(session, [item]) as checked:
        if checked.problems:
            store.record(
                session, request.user_id, "refuse", kind, key or name, detail=f"{len(checked.problems)} problem(s)"
            )
            return Taken([Section(text=_problems_text(name, checked.problems, lang))])
        current = store.served(session).get((kind, key))
        version = store.add_version(session, kind, key, name, text, request.user_id)
        store.record(session, request.user_id, "upload", kind, key, version.number, name)
        served = tree.content_root(session)
        shown, image = preview(kind, key, checked.root, served, lang)
        number = version.number
        version_id = version.id
        effect = _effect(kind, key, current, served, lang)
    head = t("content.preview.head", lang, kind=label, key=literal(key), number=number)
    buttons = [
        Publish(version=version_id).button(t("content.button.publish", lang), "primary"),
        Discard(version=version_id).button(t("content.button.discard", lang)),
    ]
    sections = [
        Section(text=f"{head}\n{effect}"),
        *shown,
        Section(text=t("content.preview.hint", lang), buttons=buttons),
    ]
    return Taken(sections, image)


def _effect(kind: str, key: str, current: ContentVersion | None, served: Path, lang: str) -> str:
    if current is not None and current.body is not None:
        return t("content.preview.replaces_city", lang, number=current.number)
    bundled = tree.place(served, tree.Item(kind, key, "", ""), set())
    return t("content.preview.replaces_bundled" if (served / bundled).exists() else "content.preview.new", lang)


def _refused(core: Core, request: Request, kind: str, name: str, text: str) -> Section:
    with transaction(core.sessions) as session:
        store.record(session, request.user_id, "refuse", kind, name, detail=text[:200])
    return Section(text=text)


def _problems_text(name: str, problems: list[Problem], lang: str) -> str:
    lines = [t("content.upload.invalid", lang, name=literal(name), count=len(problems))]
    lines += [f"- {literal(describe(problem, lang))}" for problem in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(t("content.upload.more_problems", lang, count=len(problems) - SHOWN_PROBLEMS))
    return "\n".join(lines)


def decode(data: bytes) -> str | None:
    """A content file's text: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode text"), else
    Shift_JIS as Excel saves a CSV; None when it is none of them (or a binary file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any("\ue000" <= char <= "\uf8ff" for char in text):  # cp932's user-defined area: not real text
            return text
    return None


def publish(core: Core, request: Request, action: Publish) -> Reply:
    """公開: checked again over what is served now (it may have changed since the preview), then served."""
    lang = request.lang
    if not request.is_admin:
        return Reply(text=t("error.not_admin", lang))
    with transaction(core.sessions) as session:
        version = session.get(ContentVersion, action.version)
        if version is None or version.state != store.DRAFT:
            return _not_draft(version, lang)
        label = _label(version.kind, lang)
        item = tree.Item(version.kind, version.key, version.filename, version.body)
        with laid_over(session, [item]) as checked:
            problems = checked.problems
        if problems:
            return Reply(text=_problems_text(version.filename, problems, lang))
        store.publish(session, version, request.user_id)
        text = t("content.published", lang, kind=label, key=literal(version.key), number=version.number)
    return Reply(text=text)


def discard(core: Core, request: Request, action: Discard) -> Reply:
    """取り消し: the draft is dropped (it stays in the history)."""
    lang = request.lang
    if not request.is_admin:
        return Reply(text=t("error.not_admin", lang))
    with transaction(core.sessions) as session:
        version = session.get(ContentVersion, action.version)
        if version is None or version.state != store.DRAFT:
            return _not_draft(version, lang)
        store.discard(session, version, request.user_id)
        text = t(
            "content.discarded", lang, kind=_label(version.kind, lang), key=literal(version.key), number=version.number
        )
    return Reply(text=text)


def _not_draft(version: ContentVersion | None, lang: str) -> Reply:
    if version is None:
        return Reply(text=t("error.unknown_action", lang))
    key = "content.already_published" if version.state == store.PUBLISHED else "content.already_discarded"
    return Reply(text=t(key, lang, kind=_label(version.kind, lang), key=literal(version.key), number=version.number))


def _label(kind: str, lang: str) -> str:
    return t(f"content.kind.{kind}", lang) if kind else ""
