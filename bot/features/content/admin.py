"""``/kiun admin content [kind] [key]``: what is the city's own and what is bundled, an item's history, and
reverting it to an earlier version, to the bundled file, or (the city's own item) withdrawing it.

A revert is checked first with :func:`~bot.features.content.checks.check_new` (an old version may not fit
today's other content) and is in the audit log (:func:`bot.content.store.revert`; a refused one as ``refuse``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import Field
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.chat.actions import MAX_ID, Action
from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Button, Reply, Section
from bot.chat.request import Request
from bot.chat.router import ActionHandler, Router
from bot.common.paths import content_dir
from bot.common.text import truncate
from bot.content import store, tree
from bot.content.models import ContentVersion
from bot.content.problems import describe
from bot.db.session import transaction
from bot.features.content.checks import check_new
from bot.features.content.folder import CLI_PREFIX
from bot.features.content.inventory import ORDER, SINGLE, Entry, Kind, entries, illustrative

A = TypeVar("A", bound=Action)

# the words an admin types for each kind (Japanese first; the kind's own name works too)
JAPANESE: dict[str, Kind] = {"レッスン": "lesson", "データ": "fact", "データ表": "data", "アンケート": "poll"}
JAPANESE |= {"同義語": "synonyms", "カリキュラム": "curriculum"}
WORDS: dict[str, Kind] = JAPANESE | {kind: kind for kind in ORDER}
WORD_OF = {kind: word for word, kind in JAPANESE.items()}  # kind → its Japanese word

CITY_SHOWN = 5  # the city's items listed per kind in the overview
PAGE = 15  # items per page of a kind's list
HISTORY_SHOWN = 10  # versions shown in a history
PROBLEMS_SHOWN = 10
KEYS_SHOWN = 30
UNKNOWN_SHOWN = 41


class ContentItems(Action):
    """A page of one kind's items."""

    name = "content_items"
    kind: Kind
    page: int = Field(ge=0, le=1000)


class ContentHistory(Action):
    """An item's history."""

    name = "content_history"
    kind: Kind
    key: str = Field(min_length=1, max_length=100)


class ContentRevert(Action):
    """Serve version ``to`` of an item again; ``to`` 0: the bundled file (or, the city's own item, withdraw it)."""

    name = "content_revert"
    kind: Kind
    key: str = Field(min_length=1, max_length=100)
    to: int = Field(ge=0, le=MAX_ID)


def register(router: Router) -> None:
    router.admin("content", admin_content)
    router.action(ContentItems, _admin_only(items_reply))
    router.action(ContentHistory, _admin_only(history_reply))
    router.action(ContentRevert, _admin_only(revert))


def _admin_only(handler: ActionHandler[A]) -> ActionHandler[A]:
    """A button handler that refuses anyone but an admin (a button's payload can be sent by anyone)."""

    def checked(core: Core, request: Request, action: A) -> Reply:
        if not request.is_admin:
            return Reply(text=t("error.not_admin", request.lang))
        return handler(core, request, action)

    return checked


def admin_content(core: Core, request: Request) -> Reply:
    """``/kiun admin content``: the overview; ``<kind>``: its items (one-item kinds: the history); ``<kind>
    <key>``: the item's history."""
    lang = request.lang
    words = request.text.split()
    if not words:
        return overview(core, lang)
    kind = WORDS.get(words[0]) or WORDS.get(words[0].lower())
    if kind is None:
        kinds = "、".join(f"`{WORD_OF[kind]}`" for kind in ORDER)
        return Reply(text=t("content.admin.unknown_kind", lang, text=_shown(words[0]), kinds=kinds))
    if len(words) > 2:
        return Reply(text=t("content.admin.unknown_word", lang, text=_shown(" ".join(words[2:]))))
    if len(words) == 1 and kind not in SINGLE:
        return items_reply(core, request, ContentItems(kind=kind, page=0))
    key = words[1] if len(words) == 2 else kind
    with core.sessions() as session:
        known = [entry.key for entry in entries(session, content_dir(), kind)]
    if key not in known:
        keys = "、".join(f"`{literal(key)}`" for key in known[:KEYS_SHOWN]) or t("content.admin.nothing", lang)
        if len(known) > KEYS_SHOWN:
            keys += t("content.admin.keys_more", lang, count=len(known) - KEYS_SHOWN)
        name = t(f"content.admin.kind.{kind}", lang)
        return Reply(text=t("content.admin.unknown_key", lang, kind=name, text=_shown(key), keys=keys))
    return history_reply(core, request, ContentHistory(kind=kind, key=key))


def _shown(text: str) -> str:
    return literal(truncate(text, UNKNOWN_SHOWN))


def overview(core: Core, lang: str) -> Reply:
    """Each kind: how many items are the city's own and bundled, the city's (capped), the illustrative tables."""
    base = content_dir()
    title = t("content.admin.title", lang)
    sections = [Section(text=title)]
    with core.sessions() as session:
        by_kind = {kind: entries(session, base, kind) for kind in ORDER}
    for kind in ORDER:
        found = by_kind[kind]
        own = [entry for entry in found if entry.city_own]
        name = t(f"content.admin.kind.{kind}", lang)
        lines = [t("content.admin.kind_summary", lang, kind=name, city=len(own), bundled=sum(e.bundled for e in found))]
        shown = found if kind in SINGLE else own[:CITY_SHOWN]
        lines += [_row(core, entry, lang) for entry in shown]
        if kind not in SINGLE and len(own) > CITY_SHOWN:
            lines.append(t("content.admin.more", lang, count=len(own) - CITY_SHOWN, word=WORD_OF[kind]))
        if kind == "data":
            lines += _illustrative_lines(core, [entry.key for entry in found], lang)
        buttons = [_history_button(entry, lang) for entry in shown]
        if kind not in SINGLE and found:
            buttons.append(ContentItems(kind=kind, page=0).button(t("content.admin.list_button", lang, kind=name)))
        sections.append(Section(text="\n".join(lines), buttons=buttons))
    return Reply(text=title, sections=sections)


def items_reply(core: Core, request: Request, action: ContentItems) -> Reply:
    """One page of a kind's items, with a history button for each that has versions."""
    lang = request.lang
    kind = action.kind
    name = t(f"content.admin.kind.{kind}", lang)
    with core.sessions() as session:
        found = entries(session, content_dir(), kind)
    if not found:
        return Reply(text=t("content.admin.none_of_kind", lang, kind=name))
    pages = (len(found) + PAGE - 1) // PAGE
    page = min(action.page, pages - 1)
    shown = found[page * PAGE : (page + 1) * PAGE]
    title = t("content.admin.page_title", lang, kind=name, page=page + 1, pages=pages, count=len(found))
    lines = [title, *(_row(core, entry, lang) for entry in shown)]
    if kind == "data":
        lines += _illustrative_lines(core, [entry.key for entry in shown], lang)
    lines.append(t("content.admin.history_hint", lang, word=WORD_OF[kind]))
    buttons = [_history_button(entry, lang) for entry in shown if entry.served is not None or not entry.bundled]
    if page > 0:
        buttons.append(ContentItems(kind=kind, page=page - 1).button(t("content.admin.prev", lang)))
    if page + 1 < pages:
        buttons.append(ContentItems(kind=kind, page=page + 1).button(t("content.admin.next", lang)))
    return Reply(text=title, sections=[Section(text="\n".join(lines), buttons=buttons)])


def history_reply(core: Core, request: Request, action: ContentHistory, note: str = "") -> Reply:
    """An item's versions (newest first, capped), each with 「この版に戻す」 where that would change what is served,
    and 「同梱の内容に戻す」 / 「取り下げる」."""
    lang = request.lang
    kind, key = action.kind, action.key
    with core.sessions() as session:
        entry = _entry(session, kind, key)
        versions = list(store.history(session, kind, key))
    name = t(f"content.admin.kind.{kind}", lang)
    if entry is None:
        return Reply(text=t("content.admin.gone", lang, kind=name, key=literal(key)))
    title = t("content.admin.history_title", lang, kind=name, key=literal(key), status=_status(core, entry, lang))
    examples = _illustrative_lines(core, [key], lang) if kind == "data" else []
    sections = [Section(text="\n".join(filter(None, [note, title, *examples])))]
    if not versions:
        sections[0].text += "\n" + t("content.admin.no_versions", lang)
    served = entry.served
    for version in versions[:HISTORY_SHOWN]:
        buttons = []
        if _can_revert_to(version, served):
            label = t("content.admin.revert_button", lang)
            buttons.append(ContentRevert(kind=kind, key=key, to=version.number).button(label))
        sections.append(Section(text=_version_line(core, entry, version, lang), buttons=buttons))
    last = []
    if len(versions) > HISTORY_SHOWN:
        last.append(t("content.admin.older", lang, count=len(versions) - HISTORY_SHOWN))
    buttons = []
    if _can_revert_to(None, served):
        back = ContentRevert(kind=kind, key=key, to=0)
        if entry.bundled:
            last.append(t("content.admin.bundled_hint", lang))
            buttons.append(back.button(t("content.admin.bundled_button", lang)))
        else:
            last.append(t("content.admin.withdraw_hint", lang))
            buttons.append(back.button(t("content.admin.withdraw_button", lang), "danger"))
    if last or buttons:
        sections.append(Section(text="\n".join(last), buttons=buttons))
    return Reply(text=note or title.split("\n")[0], sections=sections)


def revert(core: Core, request: Request, action: ContentRevert) -> Reply:
    """Check the version (or the bundled file) against today's other content, then serve it as a new version."""
    lang = request.lang
    kind, key = action.kind, action.key
    name = t(f"content.admin.kind.{kind}", lang)
    with transaction(core.sessions) as session:
        entry = _entry(session, kind, key)
        if entry is None:
            return Reply(text=t("content.admin.gone", lang, kind=name, key=literal(key)))
        target = next((v for v in store.history(session, kind, key) if v.number == action.to), None)
        if action.to and (target is None or target.body is None or target.state == store.DRAFT):
            args = {"kind": name, "key": literal(key), "number": action.to, "word": WORD_OF[kind]}
            return Reply(text=t("content.admin.no_such_version", lang, **args))
        if not _can_revert_to(target, entry.served):
            return Reply(text=t("content.admin.already", lang, status=_status(core, entry, lang)))
        item = tree.Item(kind, key, target.filename if target else "", target.body if target else None)
        problems = check_new(session, [item]).problems
        what = f"v{target.number}" if target else t(_back_key(entry), lang)
        if problems:
            detail = f"{len(problems)} problem(s)"
            store.record(session, request.user_id, "refuse", kind, key, action.to or None, detail)
            lines = [f"- {literal(describe(problem, request.lang))}" for problem in problems[:PROBLEMS_SHOWN]]
            if len(problems) > PROBLEMS_SHOWN:
                lines.append(t("content.admin.problems_more", lang, count=len(problems) - PROBLEMS_SHOWN))
            text = t("content.admin.refused", lang, kind=name, key=literal(key), target=what, problems="\n".join(lines))
            return Reply(text=text)
        new = store.revert(session, kind, key, request.user_id, target)
        entry = Entry(kind, key, entry.bundled, new)
        done_key = "content.admin.reverted" if target else f"{_back_key(entry)}_done"
        status = _status(core, entry, lang)
        done = t(done_key, lang, kind=name, key=literal(key), target=what, number=new.number, status=status)
    return history_reply(core, request, ContentHistory(kind=kind, key=key), note=done)


def _entry(session: Session, kind: str, key: str) -> Entry | None:
    return next((entry for entry in entries(session, content_dir(), kind) if entry.key == key), None)


def _can_revert_to(version: ContentVersion | None, served: ContentVersion | None) -> bool:
    """Reverting to ``version`` (None: the bundled file) would change what is served."""
    if version is None:
        return served is not None and served.body is not None
    if version.body is None or version.state == store.DRAFT:
        return False
    return served is None or served.body != version.body or served.filename != version.filename


def _back_key(entry: Entry) -> str:
    """The catalogue key naming what a revert without a version does: back to bundled, or withdrawn."""
    return "content.admin.target.bundled" if entry.bundled else "content.admin.target.withdrawn"


def _illustrative_lines(core: Core, keys: list[str], lang: str) -> list[str]:
    """「例示データです…」 for each of the data tables ``keys`` whose served file is marked illustrative."""
    marked = set(illustrative(tree.content_root(core.engine)))
    return [t("content.admin.illustrative", lang, key=literal(key)) for key in keys if key in marked]


def _row(core: Core, entry: Entry, lang: str) -> str:
    return t("content.admin.row", lang, key=literal(entry.key), status=_status(core, entry, lang))


def _status(core: Core, entry: Entry, lang: str) -> str:
    """What is served for the item: the city's version (number, who, when), the bundled file, or nothing."""
    version = entry.served
    if version is None:
        return t("content.admin.status.bundled" if entry.bundled else "content.admin.status.unpublished", lang)
    key = "city" if version.body is not None else "bundled_again" if entry.bundled else "withdrawn"
    who, when = _who(version.published_by or version.created_by), _when(core, version.published_at)
    return t(f"content.admin.status.{key}", lang, number=version.number, who=who, when=when)


def _version_line(core: Core, entry: Entry, version: ContentVersion, lang: str) -> str:
    if entry.served is not None and version.id == entry.served.id:
        state = t("content.admin.state.served", lang)
    else:
        state = t(f"content.admin.state.{version.state}", lang)
    who = _who(version.published_by or version.created_by)
    when = _when(core, version.published_at or version.created_at)
    note = _note(entry, version, lang)
    return t("content.admin.version", lang, number=version.number, state=state, who=who, when=when, note=note)


def _note(entry: Entry, version: ContentVersion, lang: str) -> str:
    """The version's note in words: a revert, an import, or what the uploader wrote."""
    if version.body is None:
        text = t(_back_key(entry), lang)
    elif version.note.startswith("v") and version.note[1:].isdecimal():
        text = t("content.admin.note.revert", lang, number=version.note[1:])
    elif version.note == "import":
        text = t("content.admin.note.import", lang)
    else:
        text = literal(version.note)
    parts = [part for part in (text, literal(version.filename)) if part]
    return f" — {'・'.join(parts)}" if parts else ""


def _who(user_id: str) -> str:
    if user_id.startswith(CLI_PREFIX):
        return literal(user_id[len(CLI_PREFIX) :]) + "（CLI）"
    try:
        return person(user_id)
    except ValueError:
        return literal(user_id)


def _when(core: Core, at: datetime | None) -> str:
    return at.astimezone(core.settings.tz).strftime("%Y-%m-%d %H:%M") if at else "—"


def _history_button(entry: Entry, lang: str) -> Button:
    label = t("content.admin.history_button", lang, key=truncate(entry.key, 40))
    return ContentHistory.model_validate({"kind": entry.kind, "key": entry.key}).button(label)
