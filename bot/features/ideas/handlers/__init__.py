"""``/idea`` and ``/ideas``: propose, see similar ideas, vote, list and search, revise, and the review workflow;
thread replies on idea posts become comments; ``/kiun admin ideas export`` and ``/kiun admin champion``."""

from __future__ import annotations

from bot.chat.router import Router
from bot.features.ideas import actions
from bot.features.ideas.handlers import detail, listing, propose, review


def register(router: Router) -> None:
    router.command("idea", propose.idea_command)
    router.command("ideas", listing.ideas_command)
    router.form(actions.IdeaSubmit, propose.submit_form)
    router.form(actions.IdeaEdit, propose.edit_form)
    router.form(actions.IdeaStatusForm, review.status_form)
    router.action(actions.IdeaVote, detail.vote_action)
    router.action(actions.IdeaShow, lambda core, req, action: detail.detail_reply(core, req, action.idea))
    router.action(actions.IdeaDetails, propose.details_action)
    router.action(actions.IdeaStatus, review.status_action)
    router.action(actions.IdeaDraft, propose.draft_action)
    router.action(actions.IdeaList, listing.list_action)
    router.action(actions.IdeaNew, propose.new_action)
    router.thread(review.comment)
    router.admin("ideas", review.admin_ideas)
    router.admin("champion", review.admin_champion)
