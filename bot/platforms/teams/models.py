"""What kiun remembers of Teams to message people and channels proactively (conversation references).

Teams gives a bot no way to open a chat with someone by id alone: it needs the person's Teams member id
(``29:…``), their tenant and the Bot Connector service URL of their region. Kiun keeps them from each activity it
receives (installation, messages, invokes) and from team rosters, keyed by the ids kiun stores elsewhere: a
person's Entra object id (``KIUN_ADMINS`` takes the same), a conversation's id (``19:…@thread.tacv2`` for a
channel).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UTCDateTime, utcnow


class TeamsPerson(Base):
    """A person seen by kiun on Teams; ``chat_id`` is their 1:1 conversation with kiun once known.

    ``reachable`` is False after Teams refused to open a chat with them (the app is not installed for them)."""

    __tablename__ = "teams_people"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Entra object id (aadObjectId)
    member_id: Mapped[str] = mapped_column(String(200))  # "29:…"
    name: Mapped[str] = mapped_column(String(200), default="")
    tenant_id: Mapped[str] = mapped_column(String(64), default="")
    service_url: Mapped[str] = mapped_column(String(500))
    chat_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TeamsConversation(Base):
    """A conversation kiun is installed in: a team's channel, a group chat or a 1:1 chat (``kind``)."""

    __tablename__ = "teams_conversations"

    conversation_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # personal | channel | groupChat
    team_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    tenant_id: Mapped[str] = mapped_column(String(64), default="")
    service_url: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
