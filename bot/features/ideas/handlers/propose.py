"""Proposing (form and one line, with similar ideas first) and revising an idea."""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.actions import Action
from bot.chat.i18n import t
from bot.chat.markup import channel, literal
from bot.chat.reply import Form, Input, Option, Reply, Section
from bot.chat.request import Request
from bot.common.departments import load_departments
from bot.features.ideas import store
from bot.features.ideas.actions import IdeaDetails, IdeaDraft, IdeaEdit, IdeaNew, IdeaSubmit, IdeaVote
from bot.features.ideas.handlers.common import HELP_WORDS, get_idea
from bot.features.ideas.models import Idea
from bot.features.ideas.posts import number, show_button
from bot.features.ideas.rules import (
    BODY_MAX,
    CATEGORIES,
    EDITABLE,
    TITLE_MAX,
    IdeaFields,
    category_label,
    is_meaningful,
    parse_quick,
    status_label,
    validate,
)
from bot.features.ideas.similar import similar_ideas


def idea_form(lang: str, fields: IdeaFields | None = None, action: Action | None = None) -> Form:
    """The proposal form; ``fields`` fill it in again and ``action`` is :class:`IdeaEdit` when revising."""
    values = fields.form_values() if fields else {}
    departments = [Option(value=dep.id, label=dep.name) for dep in load_departments()]
    categories = [Option(value=category, label=category_label(category, lang)) for category in CATEGORIES]
    anonymous = Option(value="anonymous", label=t("idea.form.anonymous", lang))
    return (action or IdeaSubmit()).form(
        title=t("idea.form.title", lang),
        submit_label=t("idea.form.submit", lang),
        intro=t("idea.form.intro", lang),
        inputs=[
            Input(
                name="title",
                label=t("idea.field.title", lang),
                max_length=TITLE_MAX,
                placeholder=t("idea.form.title_placeholder", lang),
                initial=values.get("title", ""),
            ),
            Input(
                name="problem",
                label=t("idea.field.problem", lang),
                kind="multiline",
                max_length=BODY_MAX,
                placeholder=t("idea.form.problem_placeholder", lang),
                initial=values.get("problem", ""),
            ),
            Input(
                name="proposal",
                label=t("idea.field.proposal", lang),
                kind="multiline",
                max_length=BODY_MAX,
                placeholder=t("idea.form.proposal_placeholder", lang),
                initial=values.get("proposal", ""),
            ),
            Input(
                name="effect",
                label=t("idea.field.effect", lang),
                kind="multiline",
                optional=True,
                max_length=BODY_MAX,
                placeholder=t("idea.form.effect_placeholder", lang),
                initial=values.get("effect", ""),
            ),
            Input(
                name="hours",
                label=t("idea.field.hours", lang),
                kind="number",
                optional=True,
                hint=t("idea.form.hours_hint", lang),
                initial=values.get("hours", ""),
            ),
            Input(
                name="department",
                label=t("idea.field.department", lang),
                kind="select",
                optional=True,
                options=departments,
                hint=t("idea.form.department_hint", lang),
                initial=values.get("department", ""),
            ),
            Input(
                name="category",
                label=t("idea.field.category", lang),
                kind="select",
                options=categories,
                initial=values.get("category", "other"),
            ),
            Input(
                name="anonymous",
                label=t("idea.field.anonymous", lang),
                kind="checkbox",
                optional=True,
                options=[anonymous],
                hint=t("idea.form.anonymous_hint", lang),
                initial=values.get("anonymous", ""),
            ),
        ],
    )


def new_action(core: Core, request: Request, _: IdeaNew) -> Reply:
    return Reply(text=t("idea.form.title", request.lang), form=idea_form(request.lang))


def idea_help(lang: str) -> Reply:
    text = t("idea.help", lang, title_max=TITLE_MAX, body_max=BODY_MAX)
    new = IdeaNew().button(t("idea.button.new", lang), style="primary")
    return Reply(text=t("idea.help_title", lang), sections=[Section(text=text, buttons=[new])])


def idea_command(core: Core, request: Request) -> Reply:
    lang = request.lang
    text = request.text.strip()
    if not text:
        return Reply(text=t("idea.form.title", lang), form=idea_form(lang))
    if text.lower() in HELP_WORDS or not is_meaningful(text):
        return idea_help(lang)
    fields = parse_quick(text)
    if len(fields.proposal) > BODY_MAX:
        message = t("idea.error.quick_too_long", lang, length=len(fields.proposal), limit=BODY_MAX)
        kept = "\n".join("> " + literal(line) for line in text.split("\n"))
        return Reply(text=message, sections=[Section(text=message), Section(text=kept)])
    reply = propose(core, request, fields)
    if fields.title.endswith("…") and len(text.partition("\n")[0].strip()) > TITLE_MAX:
        reply.sections.insert(0, Section(text=t("idea.title_shortened", lang, limit=TITLE_MAX)))
    return reply


def submit_form(core: Core, request: Request, _: IdeaSubmit) -> Reply:
    fields, errors = validate(request.values, request.lang)
    if fields is None:
        return Reply(text=t("idea.error.fix_form", request.lang), errors=errors)
    return propose(core, request, fields)


def propose(core: Core, request: Request, fields: IdeaFields) -> Reply:
    """Save the idea, unless similar ones exist: then keep a draft and show them first."""
    with core.sessions() as session:
        duplicate = store.find_duplicate(session, request.user_id, fields)
        similar = [] if duplicate else similar_ideas(session, fields)
    if duplicate is not None:
        return received_reply(core, duplicate, request.lang, created=False)
    if similar:
        draft_id = store.save_draft(core, request.user_id, fields)
        return similar_reply(similar, draft_id, request.lang)
    idea, created = store.create_idea(core, request.user_id, fields)
    return received_reply(core, idea, request.lang, created)


def similar_reply(matches, draft_id: int, lang: str) -> Reply:
    sections = [Section(text=t("idea.similar.intro", lang))]
    for match in matches:
        line = t(
            "idea.similar.row",
            lang,
            number=number(match.idea_id),
            title=literal(match.title),
            status=status_label(match.status, lang),
        )
        vote = IdeaVote(idea=match.idea_id, add=True).button(t("idea.similar.vote", lang, number=number(match.idea_id)))
        sections.append(Section(text=line, buttons=[vote, show_button(match.idea_id, lang)]))
    submit = IdeaDraft(draft=draft_id).button(t("idea.similar.submit", lang), style="primary")
    sections.append(Section(text=t("idea.similar.still", lang), buttons=[submit]))
    return Reply(text=t("idea.similar.title", lang), sections=sections)


def received_reply(core: Core, idea: Idea, lang: str, created: bool) -> Reply:
    key = "idea.received" if created else "idea.already_received"
    text = t(key, lang, number=number(idea.id), title=literal(idea.title))
    ideas_channel = core.settings.kiun_ideas_channel
    lines = [text]
    if created and ideas_channel:
        lines.append(t("idea.received_channel", lang, channel=channel(ideas_channel)))
    if idea.anonymous:
        lines.append(t("idea.received_anonymous", lang))
    buttons = [show_button(idea.id, lang)]
    if idea.status in EDITABLE:
        lines.append(t("idea.received_details", lang))
        buttons.insert(0, IdeaDetails(idea=idea.id).button(t("idea.button.details", lang)))
    return Reply(text=text, sections=[Section(text="\n".join(lines), buttons=buttons)])


def draft_action(core: Core, request: Request, action: IdeaDraft) -> Reply:
    draft = store.load_draft(core, action.draft, request.user_id)
    if draft is None:
        return Reply(text=t("idea.error.draft_gone", request.lang))
    if draft.idea_id is not None:
        with core.sessions() as session:
            idea = session.get(Idea, draft.idea_id)
        if idea is not None:
            return received_reply(core, idea, request.lang, created=False)
    idea, created = store.create_idea(core, request.user_id, IdeaFields.from_dict(draft.fields), draft_id=draft.id)
    return received_reply(core, idea, request.lang, created)


# -- revising ----------------------------------------------------------------------------------------------------
def details_action(core: Core, request: Request, action: IdeaDetails) -> Reply:
    lang = request.lang
    idea = get_idea(core, action.idea)
    if idea is None:
        return Reply(text=t("idea.error.not_found", lang))
    if idea.proposer_id != request.user_id:
        return Reply(text=t("idea.error.not_yours", lang))
    if idea.status not in EDITABLE:
        return Reply(text=t("idea.error.locked", lang, status=status_label(idea.status, lang)))
    fields = IdeaFields(
        title=idea.title,
        problem=idea.problem,
        proposal=idea.proposal,
        effect=idea.effect,
        hours_saved=idea.hours_saved,
        department=idea.department,
        category=idea.category,
        anonymous=idea.anonymous,
    )
    return Reply(text=t("idea.form.title", lang), form=idea_form(lang, fields, IdeaEdit(idea=idea.id)))


def edit_form(core: Core, request: Request, action: IdeaEdit) -> Reply:
    lang = request.lang
    fields, errors = validate(request.values, lang)
    if fields is None:
        return Reply(text=t("idea.error.fix_form", lang), errors=errors)
    idea, problem = store.edit_idea(core, action.idea, request.user_id, fields)
    if problem == "duplicate":
        return Reply(text=t("idea.error.fix_form", lang), errors={"title": t("idea.error.duplicate_text", lang)})
    if problem == "locked" and idea is not None:
        return Reply(text=t("idea.error.locked", lang, status=status_label(idea.status, lang)))
    if problem or idea is None:
        return Reply(text=t(f"idea.error.{problem or 'not_found'}", lang))
    text = t("idea.updated", lang, number=number(idea.id), title=literal(idea.title))
    return Reply(text=text, sections=[Section(text=text, buttons=[show_button(idea.id, lang)])])
