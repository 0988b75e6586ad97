"""Votes and an idea's details (fields, status history, comments, what you may do)."""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Reply, Section
from bot.chat.request import Request
from bot.features.ideas import store
from bot.features.ideas.actions import IdeaDetails, IdeaStatus, IdeaVote
from bot.features.ideas.models import Idea
from bot.features.ideas.posts import body_fields, meta_line, number, show_button, vote_button
from bot.features.ideas.rules import EDITABLE, TRANSITIONS, status_label


def vote_action(core: Core, request: Request, action: IdeaVote) -> Reply:
    """A vote button: the post's button toggles, a similar idea's button only adds."""
    lang = request.lang
    result = store.vote(core, action.idea, request.user_id, True if action.add else None)
    if result.idea is None:
        return Reply(text=t("idea.error.not_found", lang))
    label = number(result.idea.id)
    if result.own:
        return Reply(text=t("idea.vote.own", lang, number=label))
    key = "idea.vote.added" if result.voted else "idea.vote.removed"
    text = t(key, lang, number=label, title=literal(result.idea.title), votes=result.votes)
    return Reply(text=text, sections=[Section(text=text, buttons=[show_button(result.idea.id, lang)])])


def actor_label(actor_id: str, idea: Idea, lang: str) -> str:
    """Who made a change; the proposer of an anonymous idea stays anonymous."""
    if actor_id == idea.proposer_id:
        return t("idea.anonymous", lang) if idea.anonymous else person(actor_id)
    return person(actor_id)


def detail_reply(core: Core, request: Request, idea_id: int) -> Reply:
    lang = request.lang
    found = store.detail(core, idea_id, request.user_id)
    if found is None:
        return Reply(text=t("idea.error.not_found", lang))
    idea = found.idea
    title = f"{number(idea.id)} {literal(idea.title)}"
    body = "\n\n".join(f"**{item.label}**\n{item.value}" for item in body_fields(idea, lang))
    status = t(
        "idea.post.status",
        lang,
        status=status_label(idea.status, lang),
        votes=found.votes,
        comments=found.comment_count,
    )
    sections = [Section(text=f"**{title}**\n{meta_line(idea, lang)}\n{status}"), Section(text=body)]
    tz = core.settings.tz
    history = []
    for event in found.events:
        step = status_label(event.to_status, lang)
        if event.from_status:
            step = f"{status_label(event.from_status, lang)} → {step}"
        reason = t("idea.detail.reason", lang, reason=literal(event.reason)) if event.reason else ""
        when = event.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        history.append(f"• {when} {step}（{actor_label(event.actor_id, idea, lang)}）{reason}")
    sections.append(Section(text=f"**{t('idea.detail.history', lang)}**\n" + "\n".join(history)))
    if found.comments:
        lines = [f"• {person(c.user_id)}: {literal(c.text)}" for c in found.comments]
        if found.comment_count > len(found.comments):
            lines.append(t("idea.detail.more_comments", lang, count=found.comment_count - len(found.comments)))
        sections.append(Section(text=f"**{t('idea.detail.comments', lang)}**\n" + "\n".join(lines)))
    buttons = [vote_button(idea.id, found.votes, lang)]
    if found.voted:
        buttons = [IdeaVote(idea=idea.id).button(t("idea.button.unvote", lang))]
    if idea.proposer_id == request.user_id and idea.status in EDITABLE:
        buttons.append(IdeaDetails(idea=idea.id).button(t("idea.button.details", lang)))
    if TRANSITIONS[idea.status] and store.can_manage(core, request.user_id, request.is_admin, idea):
        buttons.append(IdeaStatus(idea=idea.id).button(t("idea.button.status", lang)))
    sections.append(Section(text=t("idea.detail.actions", lang), buttons=buttons))
    return Reply(text=f"{number(idea.id)} {literal(idea.title)}", sections=sections)
