"""Ideas over a period, for the engagement report and the App Home: who took part, what arrived, what moved
on, and how long the first answer took. Read-only queries; times are UTC bounds [start, end)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.features.ideas.models import Idea, IdeaComment, IdeaEvent, IdeaVote


def contributors(session: Session, start: datetime, end: datetime) -> set[str]:
    """People who proposed, voted or commented in [start, end)."""
    proposed = select(Idea.proposer_id).where(Idea.created_at >= start, Idea.created_at < end)
    voted = select(IdeaVote.user_id).where(IdeaVote.created_at >= start, IdeaVote.created_at < end)
    commented = select(IdeaComment.user_id).where(IdeaComment.created_at >= start, IdeaComment.created_at < end)
    return set(session.scalars(proposed.union(voted, commented)))


def created_between(session: Session, start: datetime, end: datetime) -> list[Idea]:
    """Ideas proposed in [start, end), oldest first."""
    return list(session.scalars(select(Idea).where(Idea.created_at >= start, Idea.created_at < end).order_by(Idea.id)))


def moved_to(session: Session, statuses: tuple[str, ...], start: datetime, end: datetime) -> list[tuple[Idea, str]]:
    """Ideas moved to one of ``statuses`` in [start, end), each once with the status reached last in the period
    (so an idea adopted and then implemented in the same month counts once, as implemented), by idea number."""
    events = session.execute(
        select(IdeaEvent.idea_id, IdeaEvent.to_status)
        .where(IdeaEvent.to_status.in_(statuses), IdeaEvent.created_at >= start, IdeaEvent.created_at < end)
        .order_by(IdeaEvent.created_at, IdeaEvent.id)
    ).all()
    last = {idea_id: status for idea_id, status in events}
    ideas = session.scalars(select(Idea).where(Idea.id.in_(last)).order_by(Idea.id)).all()
    return [(idea, last[idea.id]) for idea in ideas]


def first_responses(session: Session, idea_ids: list[int]) -> dict[int, datetime]:
    """When each idea was first moved on from 受付 (its first status change), for those that were."""
    if not idea_ids:
        return {}
    rows = session.execute(
        select(IdeaEvent.idea_id, func.min(IdeaEvent.created_at))
        .where(IdeaEvent.idea_id.in_(idea_ids), IdeaEvent.from_status.is_not(None))
        .group_by(IdeaEvent.idea_id)
    ).all()
    return dict(rows)


def vote_counts(session: Session, idea_ids: list[int]) -> dict[int, int]:
    """Votes per idea (ideas without votes are left out)."""
    if not idea_ids:
        return {}
    rows = session.execute(
        select(IdeaVote.idea_id, func.count()).where(IdeaVote.idea_id.in_(idea_ids)).group_by(IdeaVote.idea_id)
    ).all()
    return dict(rows)
