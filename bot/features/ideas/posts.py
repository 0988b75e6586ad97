"""Ideas as replies that go through the outbox: the channel post, the proposer's DM, the weekly digest.

Everything a person typed passes through :func:`~bot.chat.markup.literal`; an anonymous idea never shows who
proposed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Button, FieldItem, Reply, Section
from bot.common.departments import department_name
from bot.common.text import truncate
from bot.features.ideas.actions import IdeaShow, IdeaVote
from bot.features.ideas.models import Idea
from bot.features.ideas.rules import category_label, status_label

POST_FIELD_CHARS = 600  # the channel post shows the start of each text; the detail shows all of it


def number(idea_id: int) -> str:
    return f"#{idea_id}"


def proposer_label(idea: Idea, lang: str) -> str:
    return t("idea.anonymous", lang) if idea.anonymous else person(idea.proposer_id)


def meta_line(idea: Idea, lang: str) -> str:
    """Proposer · department · category."""
    parts = [proposer_label(idea, lang), department_name(idea.department) or t("idea.no_department", lang)]
    return " · ".join([*parts, category_label(idea.category, lang)])


def body_fields(idea: Idea, lang: str, limit: int | None = None) -> list[FieldItem]:
    """現状の課題, 改善案, 期待される効果 (with hours saved), as literal text cut at ``limit`` characters."""

    def show(text: str) -> str:
        if not text.strip():
            return t("idea.empty_field", lang)
        return literal(truncate(text.strip(), limit) if limit else text.strip())

    effect = idea.effect
    if idea.hours_saved is not None:
        hours = t("idea.hours_saved", lang, hours=idea.hours_saved)
        effect = f"{effect}\n{hours}" if effect.strip() else hours
    items = [
        FieldItem(label=t("idea.field.problem", lang), value=show(idea.problem)),
        FieldItem(label=t("idea.field.proposal", lang), value=show(idea.proposal)),
        FieldItem(label=t("idea.field.effect", lang), value=show(effect)),
    ]
    if idea.effect_note.strip():
        items.append(FieldItem(label=t("idea.field.effect_note", lang), value=show(idea.effect_note)))
    return items


def vote_button(idea_id: int, votes: int, lang: str) -> Button:
    return IdeaVote(idea=idea_id).button(t("idea.button.vote", lang, votes=votes))


def show_button(idea_id: int, lang: str) -> Button:
    return IdeaShow(idea=idea_id).button(t("idea.button.show", lang, number=number(idea_id)))


def post_reply(idea: Idea, votes: int, comments: int, lang: str = "ja") -> Reply:
    """The idea's post in the ideas channel (posted once, then edited on every change)."""
    title = f"{number(idea.id)} {literal(idea.title)}"
    status = t("idea.post.status", lang, status=status_label(idea.status, lang), votes=votes, comments=comments)
    return Reply(
        text=t("idea.post.summary", lang, number=number(idea.id), title=literal(idea.title)),
        ephemeral=False,
        sections=[
            Section(text=f"**{title}**\n{meta_line(idea, lang)}", fields=body_fields(idea, lang, POST_FIELD_CHARS)),
            Section(
                text=f"{status}\n{t('idea.post.hint', lang)}",
                buttons=[vote_button(idea.id, votes, lang), show_button(idea.id, lang)],
            ),
        ],
    )


def status_dm(idea: Idea, from_status: str, reason: str, lang: str = "ja") -> Reply:
    """The message to the proposer (anonymous ones too) when their idea's status changes."""
    lines = [
        t(
            "idea.dm.status",
            lang,
            number=number(idea.id),
            title=literal(idea.title),
            before=status_label(from_status, lang),
            after=status_label(idea.status, lang),
        )
    ]
    if reason.strip():
        lines.append(t("idea.dm.reason", lang, reason=literal(reason.strip())))
    lines.append(t(f"idea.dm.next.{idea.status}", lang))
    text = "\n".join(lines)
    return Reply(text=lines[0], ephemeral=False, sections=[Section(text=text, buttons=[show_button(idea.id, lang)])])


@dataclass(frozen=True)
class DigestItem:
    idea_id: int
    title: str
    status: str
    votes: int


def digest_reply(
    start: datetime,
    end: datetime,
    new: list[DigestItem],
    changed: list[DigestItem],
    top: list[DigestItem],
    total: int,
    lang: str = "ja",
) -> Reply:
    """The weekly digest for the ideas channel: new ideas, status changes, most voted."""

    def line(item: DigestItem) -> str:
        status = status_label(item.status, lang)
        return t(
            "idea.digest.row",
            lang,
            number=number(item.idea_id),
            title=literal(item.title),
            status=status,
            votes=item.votes,
        )

    period = t("idea.digest.period", lang, start=start.strftime("%m/%d"), end=end.strftime("%m/%d"))
    title = t("idea.digest.title", lang, period=period)
    sections = [
        Section(text=f"**{title}**\n{t('idea.digest.summary', lang, new=len(new), changed=len(changed), total=total)}")
    ]
    for key, items in (("new", new), ("changed", changed), ("top", top)):
        if items:
            rows = "\n".join(line(item) for item in items[:10])
            more = t("idea.digest.more", lang, count=len(items) - 10) if len(items) > 10 else ""
            sections.append(Section(text=f"**{t(f'idea.digest.{key}', lang)}**\n{rows}{more}"))
    if not new and not changed:
        sections.append(Section(text=t("idea.digest.quiet", lang)))
    sections.append(Section(text=t("idea.digest.invite", lang)))
    return Reply(text=title, ephemeral=False, sections=sections)
