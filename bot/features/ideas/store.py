"""Ideas in the database: create (once per person and text), vote, comment, edit, move through the workflow,
list and search. Every change to what the channel post shows enqueues an edit of that post through the outbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.chat.address import Channel, User
from bot.common.japanese import normalize
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.delivery.models import OutboxMessage, OutboxState
from bot.delivery.outbox import enqueue
from bot.features.ideas.models import Champion, Idea, IdeaComment, IdeaDraft, IdeaEvent, IdeaStatus, IdeaVote
from bot.features.ideas.posts import post_reply, status_dm
from bot.features.ideas.rules import EDITABLE, REASON_MAX, REASON_REQUIRED, TRANSITIONS, IdeaFields

COMMENT_MAX = 3000
DRAFTS_KEPT = timedelta(days=7)
POST_REF_WINDOW = timedelta(days=30)  # an idea not posted within this is not looked up for thread comments
PAGE_SIZE = 8


def post_key(idea_id: int) -> str:
    """The outbox key of an idea's channel post; edits of the post name it in ``replaces``."""
    return f"idea:{idea_id}:post"


def dedupe_key(user_id: str, fields: IdeaFields) -> str:
    """Same person + same title and text = the same idea (a retried or double-clicked submission)."""
    text = "\n".join(normalize(part) for part in (user_id, fields.title, fields.problem, fields.proposal))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def search_text(fields: IdeaFields) -> str:
    return normalize(" ".join((fields.title, fields.problem, fields.proposal, fields.effect)))


def counts(session: Session, idea_id: int) -> tuple[int, int]:
    """(votes, comments) of an idea."""
    votes = session.scalar(select(func.count()).select_from(IdeaVote).where(IdeaVote.idea_id == idea_id)) or 0
    comments = session.scalar(select(func.count()).select_from(IdeaComment).where(IdeaComment.idea_id == idea_id))
    return votes, comments or 0


def find_duplicate(session: Session, user_id: str, fields: IdeaFields) -> Idea | None:
    return session.scalar(select(Idea).where(Idea.dedupe_key == dedupe_key(user_id, fields)))


def create_idea(core: Core, user_id: str, fields: IdeaFields, draft_id: int | None = None) -> tuple[Idea, bool]:
    """Save an idea and enqueue its channel post; (idea, False) when the same person sent the same text before.

    The unique ``dedupe_key`` makes a retried submission (Slack retry, double click, two replicas) one idea.
    """
    try:
        with transaction(core.sessions) as session:
            idea = Idea(
                proposer_id=user_id,
                anonymous=fields.anonymous,
                title=fields.title,
                problem=fields.problem,
                proposal=fields.proposal,
                effect=fields.effect,
                hours_saved=fields.hours_saved,
                department=fields.department,
                category=fields.category,
                status=IdeaStatus.RECEIVED,
                search_text=search_text(fields),
                dedupe_key=dedupe_key(user_id, fields),
            )
            session.add(idea)
            session.flush()
            session.add(IdeaEvent(idea_id=idea.id, actor_id=user_id, from_status=None, to_status=IdeaStatus.RECEIVED))
            core.home_changed(user_id, session)  # "my ideas" on the App Home
            if draft_id is not None:
                session.execute(update(IdeaDraft).where(IdeaDraft.id == draft_id).values(idea_id=idea.id))
            channel = core.settings.kiun_ideas_channel
            if channel:
                to = Channel(platform=core.platform, id=channel)
                enqueue(session, post_key(idea.id), to, post_reply(idea, 0, 0, core.settings.kiun_locale))
        return idea, True
    except IntegrityError:
        with transaction(core.sessions) as session:
            existing = session.scalars(select(Idea).where(Idea.dedupe_key == dedupe_key(user_id, fields))).one()
            if draft_id is not None:
                session.execute(update(IdeaDraft).where(IdeaDraft.id == draft_id).values(idea_id=existing.id))
        return existing, False


def _bump(session: Session, idea_id: int) -> int | None:
    """Take the idea's row lock and the next revision of its post (None when there is no such idea).

    Done first in a transaction, so concurrent changes of one idea run one after the other and each post edit
    sees the changes before it. A revision taken by a change that then does nothing is simply skipped.
    """
    return session.execute(
        update(Idea).where(Idea.id == idea_id).values(revision=Idea.revision + 1).returning(Idea.revision)
    ).scalar()


def _enqueue_post_edit(core: Core, session: Session, idea: Idea, revision: int) -> None:
    channel = core.settings.kiun_ideas_channel
    if not channel:
        return
    votes, comments = counts(session, idea.id)
    reply = post_reply(idea, votes, comments, core.settings.kiun_locale)
    to = Channel(platform=core.platform, id=channel)
    enqueue(session, f"{post_key(idea.id)}:r{revision}", to, reply, replaces=post_key(idea.id))


@dataclass(frozen=True)
class VoteResult:
    idea: Idea | None
    voted: bool = False
    votes: int = 0
    own: bool = False


def vote(core: Core, idea_id: int, user_id: str, want: bool | None = None) -> VoteResult:
    """Toggle (``want`` None) or set a person's vote; one vote per person and idea is a database constraint."""
    with transaction(core.sessions) as session:
        revision = _bump(session, idea_id)
        idea = session.get(Idea, idea_id)
        if revision is None or idea is None:
            return VoteResult(None)
        if idea.proposer_id == user_id:
            return VoteResult(idea, own=True, votes=counts(session, idea_id)[0])
        existing = session.scalar(select(IdeaVote).where(IdeaVote.idea_id == idea_id, IdeaVote.user_id == user_id))
        voted = (existing is None) if want is None else want
        if voted and existing is None:
            try:
                with session.begin_nested():
                    session.add(IdeaVote(idea_id=idea_id, user_id=user_id))
            except IntegrityError:  # a simultaneous press of the same person already counted it
                pass
        elif not voted and existing is not None:
            session.delete(existing)
        session.flush()
        _enqueue_post_edit(core, session, idea, revision)
        return VoteResult(idea, voted, counts(session, idea_id)[0])


def is_champion(session: Session, user_id: str, department: str | None) -> bool:
    if not department:
        return False
    return (
        session.scalar(select(Champion.id).where(Champion.user_id == user_id, Champion.department == department))
        is not None
    )


def can_manage(core: Core, user_id: str, is_admin: bool, idea: Idea) -> bool:
    """Admins manage every idea; a champion manages the ideas of their own department."""
    if is_admin or core.is_admin(user_id):
        return True
    with core.sessions() as session:
        return is_champion(session, user_id, idea.department)


@dataclass(frozen=True)
class Transition:
    """The outcome of :func:`change_status`: ``problem`` is "" on success, else a catalogue key suffix."""

    idea: Idea | None
    problem: str = ""
    from_status: str = ""


def change_status(
    core: Core, idea_id: int, actor_id: str, to_status: str, reason: str, expected_from: str | None = None
) -> Transition:
    """Move an idea (caller checked the permission); logs the event, edits the post and DMs the proposer.

    ``expected_from`` is the status the actor saw: a retried submission then finds the change done and does
    nothing (``problem`` "already"), a stale form finds someone else moved it first ("stale").
    """
    reason = reason.strip()
    with transaction(core.sessions) as session:
        revision = _bump(session, idea_id)
        idea = session.get(Idea, idea_id, populate_existing=True)
        if revision is None or idea is None:
            return Transition(None, "not_found")
        current = idea.status
        if expected_from is not None and current != expected_from:
            return Transition(idea, "already" if current == to_status else "stale", current)
        if to_status not in TRANSITIONS.get(current, ()):
            return Transition(idea, "not_allowed", current)
        if to_status in REASON_REQUIRED and not reason:
            return Transition(idea, "reason_required", current)
        if len(reason) > REASON_MAX:
            return Transition(idea, "reason_too_long", current)
        idea.status = to_status
        idea.status_changed_at = utcnow()
        if to_status == IdeaStatus.DONE and reason:
            idea.effect_note = reason
        event = IdeaEvent(idea_id=idea_id, actor_id=actor_id, from_status=current, to_status=to_status, reason=reason)
        session.add(event)
        session.flush()
        _enqueue_post_edit(core, session, idea, revision)
        dm = status_dm(idea, current, reason, core.settings.kiun_locale)
        enqueue(session, f"idea:{idea_id}:status:{event.id}", User(platform=core.platform, id=idea.proposer_id), dm)
        core.home_changed(idea.proposer_id, session)
        return Transition(idea, "", current)


def edit_idea(core: Core, idea_id: int, user_id: str, fields: IdeaFields) -> tuple[Idea | None, str]:
    """The proposer revises their idea while it is 受付 or 差し戻し (a returned idea goes back to 受付).

    Returns (idea, problem): problem "" on success, or "not_found", "not_yours", "locked", "duplicate".
    """
    try:
        with transaction(core.sessions) as session:
            revision = _bump(session, idea_id)
            idea = session.get(Idea, idea_id, populate_existing=True)
            if revision is None or idea is None:
                return None, "not_found"
            if idea.proposer_id != user_id:
                return idea, "not_yours"
            if idea.status not in EDITABLE:
                return idea, "locked"
            for name in (
                "title",
                "problem",
                "proposal",
                "effect",
                "hours_saved",
                "department",
                "category",
                "anonymous",
            ):
                setattr(idea, name, getattr(fields, name))
            idea.search_text = search_text(fields)
            idea.dedupe_key = dedupe_key(user_id, fields)
            if idea.status == IdeaStatus.RETURNED:
                session.add(
                    IdeaEvent(
                        idea_id=idea_id,
                        actor_id=user_id,
                        from_status=IdeaStatus.RETURNED,
                        to_status=IdeaStatus.RECEIVED,
                    )
                )
                idea.status, idea.status_changed_at = IdeaStatus.RECEIVED, utcnow()
            session.flush()
            _enqueue_post_edit(core, session, idea, revision)
            core.home_changed(user_id, session)
            return idea, ""
    except IntegrityError:
        return None, "duplicate"


def sync_post_refs(session: Session) -> None:
    """Copy the platform's reference of recently delivered channel posts onto their ideas (for thread comments)."""
    since = utcnow() - POST_REF_WINDOW
    ids = session.scalars(select(Idea.id).where(Idea.post_ref.is_(None), Idea.created_at >= since)).all()
    if not ids:
        return
    keys = {post_key(idea_id): idea_id for idea_id in ids}
    sent = session.execute(
        select(OutboxMessage.key, OutboxMessage.message_ref).where(
            OutboxMessage.key.in_(keys), OutboxMessage.state == OutboxState.SENT, OutboxMessage.message_ref.is_not(None)
        )
    ).all()
    for key, ref in sent:
        session.execute(update(Idea).where(Idea.id == keys[key]).values(post_ref=ref))


def add_comment(core: Core, post_ref: str, user_id: str, text: str) -> Idea | None:
    """Store a reply in an idea post's thread as a comment; None when the thread is not an idea's post."""
    with transaction(core.sessions) as session:
        idea = session.scalar(select(Idea).where(Idea.post_ref == post_ref))
        if idea is None:
            sync_post_refs(session)
            idea = session.scalar(select(Idea).where(Idea.post_ref == post_ref))
        if idea is None:
            return None
        session.add(IdeaComment(idea_id=idea.id, user_id=user_id, text=text[:COMMENT_MAX]))
        return idea


@dataclass
class Detail:
    idea: Idea
    votes: int
    comments: list[IdeaComment]
    events: list[IdeaEvent]
    voted: bool
    comment_count: int = 0


def detail(core: Core, idea_id: int, user_id: str, recent_comments: int = 5) -> Detail | None:
    with core.sessions() as session:
        idea = session.get(Idea, idea_id)
        if idea is None:
            return None
        votes, comment_count = counts(session, idea_id)
        comments = session.scalars(
            select(IdeaComment)
            .where(IdeaComment.idea_id == idea_id)
            .order_by(IdeaComment.id.desc())
            .limit(recent_comments)
        ).all()
        events = session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.id)).all()
        voted = session.scalar(select(IdeaVote.id).where(IdeaVote.idea_id == idea_id, IdeaVote.user_id == user_id))
        return Detail(idea, votes, list(reversed(comments)), list(events), voted is not None, comment_count)


@dataclass
class Listing:
    """One page of ideas with their vote and comment counts."""

    rows: list[tuple[Idea, int, int]] = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def list_ideas(core: Core, view: str, arg: str, page: int, user_id: str) -> Listing:
    """Ideas for ``view``: new, top (votes), mine, status (arg = status), dept (arg = id), search (arg = words)."""
    votes = select(IdeaVote.idea_id, func.count().label("n")).group_by(IdeaVote.idea_id).subquery()
    comments = select(IdeaComment.idea_id, func.count().label("n")).group_by(IdeaComment.idea_id).subquery()
    vote_count = func.coalesce(votes.c.n, 0)
    query: Select = (
        select(Idea, vote_count, func.coalesce(comments.c.n, 0))
        .outerjoin(votes, votes.c.idea_id == Idea.id)
        .outerjoin(comments, comments.c.idea_id == Idea.id)
    )
    if view == "mine":
        query = query.where(Idea.proposer_id == user_id)
    elif view == "status":
        query = query.where(Idea.status == arg)
    elif view == "dept":
        query = query.where(Idea.department == arg)
    elif view == "search":
        for word in normalize(arg).split():
            query = query.where(Idea.search_text.contains(word, autoescape=True))
    order = (vote_count.desc(), Idea.id.desc()) if view == "top" else (Idea.id.desc(),)
    with core.sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        rows = session.execute(query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return Listing([(idea, n_votes, n_comments) for idea, n_votes, n_comments in rows], total, page)


def save_draft(core: Core, user_id: str, fields: IdeaFields) -> int:
    """Keep an idea while its proposer looks at similar ones; drafts older than a week are deleted."""
    with transaction(core.sessions) as session:
        session.execute(delete(IdeaDraft).where(IdeaDraft.created_at < utcnow() - DRAFTS_KEPT))
        draft = IdeaDraft(user_id=user_id, fields=fields.to_dict())
        session.add(draft)
        session.flush()
        return draft.id


def load_draft(core: Core, draft_id: int, user_id: str) -> IdeaDraft | None:
    """The person's own draft (None for someone else's or an expired one)."""
    with core.sessions() as session:
        draft = session.get(IdeaDraft, draft_id)
        return draft if draft is not None and draft.user_id == user_id else None


def activity(core: Core, start: datetime, end: datetime) -> tuple[list[Idea], list[Idea], list[tuple[Idea, int]], int]:
    """For the digest: ideas created in [start, end), ideas whose status changed then (by others), the five most
    voted open ideas with their votes, and the number of ideas in all."""
    open_statuses = [status for status, nexts in TRANSITIONS.items() if nexts and status != "rejected"]
    with core.sessions() as session:
        new = session.scalars(
            select(Idea).where(Idea.created_at >= start, Idea.created_at < end).order_by(Idea.id)
        ).all()
        changed_ids = select(IdeaEvent.idea_id).where(
            IdeaEvent.created_at >= start,
            IdeaEvent.created_at < end,
            IdeaEvent.from_status.is_not(None),
        )
        changed = session.scalars(select(Idea).where(Idea.id.in_(changed_ids)).order_by(Idea.id)).all()
        vote_count = func.count(IdeaVote.id)
        top = session.execute(
            select(Idea, vote_count)
            .join(IdeaVote, IdeaVote.idea_id == Idea.id)
            .where(Idea.status.in_(open_statuses))
            .group_by(Idea.id)
            .order_by(vote_count.desc(), Idea.id.desc())
            .limit(5)
        ).all()
        total = session.scalar(select(func.count()).select_from(Idea)) or 0
    return list(new), list(changed), [(idea, n) for idea, n in top], total
