"""``/idea`` and ``/ideas``: propose, see similar ideas, vote, list and search, revise, and the review workflow;
thread replies on idea posts become comments; ``/kiun admin ideas export`` and ``/kiun admin champion``."""

from __future__ import annotations

from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.router import Router
from bot.features.ideas.handlers import detail, listing, propose, review


def register(router: Router) -> None:
    router.command("idea", propose.idea_command)
    router.command("ideas", listing.ideas_command)
    router.form("idea_submit", propose.submit_form)
    router.form("idea_edit", propose.edit_form)
    router.form("idea_status", review.status_form)
    router.action("idea_vote", detail.vote_action)
    router.action("idea_show", detail.show_action)
    router.action("idea_details", propose.details_action)
    router.action("idea_status", review.status_action)
    router.action("idea_draft", propose.draft_action)
    router.action("idea_list", listing.list_action)
    router.action(
        "idea_new", lambda core, req: Reply(text=t("idea.form.title", req.lang), form=propose.idea_form(req.lang))
    )
    router.thread(review.comment)
    router.admin("ideas", review.admin_ideas)
    router.admin("champion", review.admin_champion)
