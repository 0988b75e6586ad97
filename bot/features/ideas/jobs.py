"""``idea-digest``: the weekly round-up of ideas in the ideas channel (Friday 16:00, business days).

Each digest covers the time since the schedule's previous run, so a digest moved off a closed Friday neither
misses the days before it nor repeats them in the next one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.app.core import Core
from bot.chat.address import Channel
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.features.ideas.posts import DigestItem, digest_reply
from bot.features.ideas.store import activity, counts
from bot.scheduling.registry import job
from bot.scheduling.scheduler import job_plan

log = logging.getLogger(__name__)

PERIOD = timedelta(days=7)  # when the schedule has no run in the month before (a new or changed schedule)
LOOK_BACK = timedelta(days=31)


@job(
    "idea-digest",
    cron="0 16 * * 5",
    business_days_only=True,
    description="weekly digest of ideas: new ones, status changes, most voted",
    switch="KIUN_IDEAS_CHANNEL",
)
def idea_digest(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """Post the ideas since the previous run (else the 7 days before ``occurrence``) to KIUN_IDEAS_CHANNEL (param
    ``channel`` overrides)."""
    channel = params.get("channel") or core.settings.kiun_ideas_channel
    if not channel:
        log.warning("idea-digest: KIUN_IDEAS_CHANNEL is not set; nothing posted")
        return "KIUN_IDEAS_CHANNEL is not set (nor a channel in the schedule's params); no digest posted"
    start = job_plan(core, "idea-digest").run_before(occurrence, LOOK_BACK) or occurrence - PERIOD
    new, changed, top, total = activity(core, start, occurrence)
    with core.sessions() as session:

        def item(idea) -> DigestItem:
            return DigestItem(idea.id, idea.title, idea.status, counts(session, idea.id)[0])

        new_items = [item(idea) for idea in new]
        changed_items = [item(idea) for idea in changed]
    top_items = [DigestItem(idea.id, idea.title, idea.status, votes) for idea, votes in top]
    lang = core.settings.kiun_locale
    reply = digest_reply(start, occurrence, new_items, changed_items, top_items, total, lang)
    with transaction(core.sessions) as session:
        to = Channel(platform=core.platform, id=channel)
        added = enqueue(session, f"idea-digest:{occurrence.date().isoformat()}:{channel}", to, reply)
    log.info("idea-digest: %d new, %d changed, %d top", len(new), len(changed), len(top))
    if not added:
        return f"today's digest was already queued for {channel}; nothing posted"
    return f"digest queued for {channel} ({len(new)} new, {len(changed)} changed, {len(top)} most voted)"
