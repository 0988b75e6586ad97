"""``/ask``, DMs and @mentions: questions answered from the city's documents; 👍/👎; documents sent in a DM;
``/kiun admin docs``."""

from __future__ import annotations

import re
import unicodedata

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features.admin.handlers import hint_sections
from bot.features.qa import admin_docs
from bot.features.qa import answer as qa
from bot.features.qa.actions import Feedback, KeepDocument, RemoveDocument
from bot.features.qa.ingest import ensure_sample

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
    """A DM or an @mention is a question (files sent in a DM go to the content feature: ``Router.files``);
    greetings and empty messages get a short hint."""
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
