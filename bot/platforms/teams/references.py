"""Conversation references: stored from every activity and roster kiun sees, read for proactive messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.core import Core
from bot.db.session import transaction
from bot.platforms.teams.models import TeamsConversation, TeamsPerson


@dataclass(frozen=True)
class Seen:
    """Who did something where, as read from one activity (camelCase JSON as Teams sends it)."""

    user_id: str  # Entra object id, else the Teams member id
    member_id: str
    name: str
    conversation_id: str
    kind: str  # personal | channel | groupChat
    team_id: str | None
    tenant_id: str
    service_url: str

    @classmethod
    def of(cls, activity: dict[str, Any]) -> Seen:
        sender = activity.get("from") or {}
        conversation = activity.get("conversation") or {}
        data = activity.get("channelData") or {}
        tenant = (data.get("tenant") or {}).get("id") or conversation.get("tenantId") or ""
        kind = conversation.get("conversationType") or ("channel" if data.get("team") else "personal")
        return cls(
            user_id=sender.get("aadObjectId") or sender.get("id") or "",
            member_id=sender.get("id") or "",
            name=sender.get("name") or "",
            conversation_id=conversation.get("id") or "",
            kind=kind,
            team_id=(data.get("team") or {}).get("id"),
            tenant_id=tenant,
            service_url=activity.get("serviceUrl") or "",
        )

    @property
    def channel_id(self) -> str:
        """The conversation without a thread suffix (``19:…@thread.tacv2;messageid=…`` → ``19:…@thread.tacv2``)."""
        return self.conversation_id.split(";", 1)[0]


def remember(core: Core, seen: Seen) -> None:
    """Store (or refresh) the person and the conversation of one activity."""
    with transaction(core.sessions) as session:
        if seen.user_id and seen.member_id:
            person = _person(session, seen.user_id, seen.member_id, seen.name, seen.tenant_id, seen.service_url)
            person.reachable = True  # it wrote to kiun: the app is installed for it
            if seen.kind == "personal":
                person.chat_id = seen.conversation_id
        if seen.conversation_id:
            _conversation(session, seen.channel_id, seen.kind, seen.team_id, seen.tenant_id, seen.service_url)


def _person(session: Session, user_id: str, member_id: str, name: str, tenant_id: str, service_url: str) -> TeamsPerson:
    """The stored person ``user_id`` (added if new), with what was just seen of them; empty values keep the old."""
    person = session.get(TeamsPerson, user_id)
    if person is None:
        person = TeamsPerson(user_id=user_id, member_id=member_id, service_url=service_url, reachable=True)
        session.add(person)
    person.member_id, person.service_url = member_id, service_url
    person.name = name or person.name
    person.tenant_id = tenant_id or person.tenant_id
    return person


def _conversation(
    session: Session, conversation_id: str, kind: str, team_id: str | None, tenant_id: str, service_url: str
) -> None:
    row = session.get(TeamsConversation, conversation_id)
    if row is None:
        row = TeamsConversation(conversation_id=conversation_id, kind=kind, service_url=service_url)
        session.add(row)
    row.kind, row.service_url = kind, service_url
    row.team_id = team_id or row.team_id
    row.tenant_id = tenant_id or row.tenant_id


def remember_members(core: Core, members: list[dict[str, Any]], tenant_id: str, service_url: str) -> None:
    """Store the people of a roster page (``pagedmembers``), so kiun can open a 1:1 chat with each."""
    with transaction(core.sessions) as session:
        for member in members:
            user_id = member.get("aadObjectId") or member.get("id")
            if not user_id or not member.get("id"):
                continue
            tenant = member.get("tenantId") or tenant_id
            _person(session, user_id, member["id"], member.get("name") or "", tenant, service_url)


def person(core: Core, user_id: str) -> TeamsPerson | None:
    with core.sessions() as session:
        return session.get(TeamsPerson, user_id)


def conversation(core: Core, conversation_id: str) -> TeamsConversation | None:
    with core.sessions() as session:
        return session.get(TeamsConversation, conversation_id.split(";", 1)[0])


def set_chat(core: Core, user_id: str, chat_id: str | None, *, reachable: bool = True) -> None:
    """Record the person's 1:1 chat once opened, or that Teams refused to open one."""
    with transaction(core.sessions) as session:
        row = session.get(TeamsPerson, user_id)
        if row is not None:
            row.chat_id, row.reachable = chat_id or row.chat_id, reachable


def service_url_of(core: Core, conversation: TeamsConversation | None) -> str | None:
    """The conversation's service URL; for one kiun has no reference of, that of the conversation seen last."""
    if conversation is not None:
        return conversation.service_url
    with core.sessions() as session:
        return session.scalar(
            select(TeamsConversation.service_url).order_by(TeamsConversation.updated_at.desc()).limit(1)
        )


def unreachable(core: Core) -> list[TeamsPerson]:
    """People Teams refused to open a chat with (the app is not installed for them), by name."""
    with core.sessions() as session:
        return list(session.scalars(select(TeamsPerson).where(TeamsPerson.reachable.is_(False))))
