"""``/ask``, DMs and @mentions: questions answered from the city's documents; 👍/👎; documents sent in a DM;
``/kiun admin docs``."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.content import store
from bot.db.session import transaction
from bot.features.admin.handlers import hint_sections
from bot.features.qa import admin_docs
from bot.features.qa import answer as qa
from bot.features.qa.actions import Feedback, KeepDocument, RemoveDocument
from bot.features.qa.ingest import ensure_sample
from bot.features.qa.uploads import accept

RATED_MODES = ("llm", "extractive", "refused")
# Messages that are not questions: greetings, thanks, help words (compared after NFKC, without punctuation).
_SMALL_TALK = re.compile(
    r"(こんにちは|こんばんは|おはよう(ございます)?|ありがとう(ございます|ございました)?|よろしく(お願いします)?|"
    r"はじめまして|お疲れ様です|おつかれさまです|hello|hi|hey|thanks|thank you|help|ヘルプ|使い方)*"
)


def register(router: Router) -> None:
    router.command("ask", ask_command, slow="ask.thinking")
    router.message(ask_message)
    router.thread(ask_follow_up)
    router.action(Feedback, feedback)
    router.admin("docs", admin_docs.admin_docs)
    router.action(RemoveDocument, admin_docs.remove_document)
    router.action(KeepDocument, admin_docs.keep_document)


def is_small_talk(text: str) -> bool:
    plain = re.sub(r"[\s!！?？。、,.~〜ー…]+", "", unicodedata.normalize("NFKC", text).lower())
    return _SMALL_TALK.fullmatch(plain) is not None


def ask_command(core: Core, request: Request) -> Reply:
    if not request.text.strip():
        return Reply(text=t("ask.usage", request.lang))
    return answer_reply(core, request, ephemeral=True)


def ask_message(core: Core, request: Request) -> Reply:
    """A DM or an @mention is a question; a file sent in a DM is a document to add (admins); greetings and empty
    messages get a short hint."""
    if any(key.startswith(("file:", "file_error:")) for key in request.values):
        return add_uploads(core, request)
    if is_small_talk(request.text):
        return Reply(text=t("message.hint", request.lang), sections=hint_sections(request))
    context = qa.thread_context(core, request.thread) or ""  # a mention in our thread
    return answer_reply(core, request, ephemeral=False, context=context)


def ask_follow_up(core: Core, request: Request) -> Reply | None:
    """A reply in a channel thread the bot answered is a follow-up; the thread's last question is context."""
    context = qa.thread_context(core, request.thread)
    if context is None or is_small_talk(request.text):
        return None
    return answer_reply(core, request, ephemeral=False, context=context)


def answer_reply(core: Core, request: Request, *, ephemeral: bool, context: str = "") -> Reply:
    if request.platform == "console":
        ensure_sample(core)
    result = qa.ask(
        core,
        request.text,
        request.user_id,
        platform=request.platform,
        channel_id=request.channel_id,
        thread_ref=request.thread.id if request.thread else None,
        context=context,
        lang=request.lang,
    )
    buttons = []
    if result.question_id and result.mode in RATED_MODES:
        buttons = [
            Feedback(question=result.question_id, helpful=True).button(t("ask.feedback.up", request.lang)),
            Feedback(question=result.question_id, helpful=False).button(t("ask.feedback.down", request.lang)),
        ]
    summary = result.text.split("\n", 1)[0]
    return Reply(text=summary, sections=[Section(text=result.text, buttons=buttons)], ephemeral=ephemeral)


def feedback(core: Core, request: Request, action: Feedback) -> Reply:
    if not qa.rate(core, action.question, request.user_id, action.helpful):
        return Reply(text=t("error.unknown_action", request.lang))
    return Reply(text=t("ask.feedback.thanks_up" if action.helpful else "ask.feedback.thanks_down", request.lang))


def add_uploads(core: Core, request: Request) -> Reply:
    """The files an admin sent (``file:<name>`` → local path from the platform), each saved and handed to
    :func:`~bot.features.qa.uploads.accept`; one answer per file."""
    lang = request.lang
    if not request.is_admin:
        return Reply(text=t("docs.upload_admin_only", lang))
    answers: list[Reply] = []
    for key, value in request.values.items():
        kind, _, name = key.partition(":")
        if kind == "file_error":
            answers.append(Reply(text=t("docs.upload_failed", lang, name=literal(name), reason=literal(value))))
            continue
        if kind != "file":
            continue
        try:
            data = Path(value).read_bytes()
        except OSError:
            answers.append(Reply(text=t("docs.upload_failed", lang, name=literal(name), reason="read error")))
            continue
        with transaction(core.sessions) as session:
            digest = hashlib.sha256(data).hexdigest()
            upload = store.save_upload(session, request.user_id, request.platform, name, data, digest)
        answers.append(accept(core, request, upload))
    if len(answers) == 1:
        return answers[0].model_copy(update={"ephemeral": False})
    sections = [part for answer in answers for part in (answer.sections or [Section(text=answer.text)])]
    return Reply(text=answers[0].text if answers else "", sections=sections, ephemeral=False)
