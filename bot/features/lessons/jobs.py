"""``lesson`` (weekly lesson with a quiz), ``fact`` (weekly fact with a chart) and ``quiz-review`` (spaced
review DMs). The channel is ``KIUN_LESSON_CHANNEL``, or the schedule's ``channel`` parameter."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.app.core import Core
from bot.chat.address import Channel, User
from bot.common.text import day_text
from bot.content.tree import content_root
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.features.lessons import learning
from bot.features.lessons.catalogue import catalogue
from bot.features.lessons.facts import build_facts
from bot.features.lessons.models import ReviewState
from bot.features.lessons.views import fact_reply, lesson_reply, review_dm_reply, review_post_reply
from bot.scheduling.registry import job
from bot.scheduling.scheduler import job_plan

log = logging.getLogger(__name__)


NO_CHANNEL = "KIUN_LESSON_CHANNEL is not set (nor a channel in the schedule's params); no {what} posted"
NO_CONTENT = "no valid {what} to post (see kiun content check)"


def channel_for(core: Core, params: dict[str, Any]) -> str | None:
    return params.get("channel") or core.settings.kiun_lesson_channel


@job(
    "lesson",
    cron="0 9 * * 1",
    business_days_only=True,
    description="post the next DX micro-lesson with its quiz to KIUN_LESSON_CHANNEL",
    switch="KIUN_LESSON_CHANNEL",
)
def post_lesson(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """Post the next unposted lesson (never the same lesson twice to a channel); when the curriculum is
    exhausted, a review quiz of the lesson staff found hardest."""
    channel = channel_for(core, params)
    if not channel:
        log.warning("lesson: KIUN_LESSON_CHANNEL is not set; nothing posted")
        return NO_CHANNEL.format(what="lesson")
    lang = core.settings.kiun_locale
    lessons = catalogue(content_root(core.engine))
    try:
        with transaction(core.sessions) as session:
            chosen = learning.next_lesson(session, lessons, channel)
            if chosen is None:
                log.warning("lesson: no valid lesson to post (see kiun content check)")
                return NO_CONTENT.format(what="lesson")
            lesson, round = chosen
            learning.record_post(session, "lesson", lesson.id, channel, round, occurrence)
            key = learning.lesson_quiz(lesson.id, round)
            reply = lesson_reply(lesson, lessons, key, lang) if round == 0 else review_post_reply(lesson, key, lang)
            to = Channel(platform=core.platform, id=channel)
            enqueue(session, f"lesson:{channel}:{lesson.id}:{round}", to, reply)
    except IntegrityError:
        log.info("lesson: another run posted to %s at the same time", channel)
        return f"nothing posted: another run posted to {channel} at the same time"
    log.info("lesson: %s (round %d) queued for %s", lesson.id, round, channel, extra={"lesson": lesson.id})
    what = f"lesson {lesson.id}" if round == 0 else f"review round {round} of lesson {lesson.id}"
    return f"{what} queued for {channel}"


@job(
    "fact",
    cron="0 9 * * 4",
    business_days_only=True,
    description="post the next data fact with its chart to KIUN_LESSON_CHANNEL",
    switch="KIUN_LESSON_CHANNEL",
)
def post_fact(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """Post the fact shown least often to the channel, with its chart."""
    channel = channel_for(core, params)
    if not channel:
        log.warning("fact: KIUN_LESSON_CHANNEL is not set; nothing posted")
        return NO_CHANNEL.format(what="fact")
    facts = build_facts(content_root(core.engine))
    for problem in facts.problems:
        log.warning("fact content problem: %s", problem)
    try:
        with transaction(core.sessions) as session:
            chosen = learning.next_fact(session, facts, channel)
            if chosen is None:
                log.warning("fact: no valid fact to post (see kiun content check)")
                return NO_CONTENT.format(what="fact")
            fact, round = chosen
            learning.record_post(session, "fact", fact.id, channel, round, occurrence)
            to = Channel(platform=core.platform, id=channel)
            enqueue(session, f"fact:{channel}:{fact.id}:{round}", to, fact_reply(fact, core.settings.kiun_locale))
    except IntegrityError:
        log.info("fact: another run posted to %s at the same time", channel)
        return f"nothing posted: another run posted to {channel} at the same time"
    log.info("fact: %s (round %d) queued for %s", fact.id, round, channel, extra={"fact": fact.id})
    return f"fact {fact.id} queued for {channel}"


@job(
    "quiz-review",
    cron="30 9 * * *",
    business_days_only=True,
    description="DM review quizzes to staff who answered wrong (after 3, 7 and 21 days)",
)
def send_reviews(core: Core, occurrence: datetime, params: dict[str, Any]) -> str:
    """DM each person their longest-waiting due review (one a day at most)."""
    lessons = catalogue(content_root(core.engine))
    lang = core.settings.kiun_locale
    today = occurrence.astimezone(core.settings.tz).date()
    sent = dropped = 0
    with transaction(core.sessions) as session:
        for item in learning.claim_due_reviews(session, today):
            lesson = lessons.get(item.lesson_id)
            if lesson is None:  # the lesson was removed from content: nothing to ask
                item.state = ReviewState.DONE
                dropped += 1
                continue
            reply = review_dm_reply(lesson, learning.review_quiz(item.id, item.sends), item.step + 1, lang)
            to = User(platform=core.platform, id=item.user_id)
            sent += enqueue(session, f"quiz-review:{item.id}:{item.sends}", to, reply)
        upcoming = learning.next_review_day(session, today)
    log.info("quiz-review: %d DMs queued, %d dropped", sent, dropped, extra={"enqueued": sent})
    done = [f"{sent} review DMs queued"] if sent else [f"no review quiz is due on {day_text(today)}"]
    if dropped:
        done.append(f"{dropped} reviews of lessons no longer in the content dropped")
    if upcoming:
        done.append(f"the next is due on {day_text(upcoming)}")
    return "; ".join(done)


def review_days(core: Core) -> Callable[[date], date]:
    """When a review due on a day is DMed: the first ``quiz-review`` run on or after the first business day from
    it (that business day itself while no quiz-review schedule is enabled: it goes once one is)."""
    plan = job_plan(core, "quiz-review")

    def send_day(day: date) -> date:
        business = plan.calendar.next_business_day(day)
        return plan.run_day(business) or business

    return send_day
