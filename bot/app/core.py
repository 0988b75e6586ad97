"""The objects every layer shares for one running kiun: settings, database and clock helpers."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.app.config import Settings
from bot.db.session import make_engine, make_sessionmaker
from bot.db.types import utcnow


@dataclass
class Core:
    """Settings plus the database; built once per process by :meth:`create`.

    ``directory`` answers who is in a channel (see bot.chat.directory); the process wires in its platform's
    (``kiun serve``/``worker``/``jobs``: Slack when ``SLACK_BOT_TOKEN`` is set; ``kiun console``: the console's).
    ``platform`` names the platform whose ids this installation stores (the configured channels, the user ids
    in its tables): scheduled work addresses its messages there. The process sets it with the directory.
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    on_schedules_changed: list[Callable[[], None]] = field(default_factory=list)
    on_home_changed: list[Callable[[str], None]] = field(default_factory=list)
    directory: object | None = None  # a bot.chat.directory.Directory (a layer up); directory_of gives it typed
    platform: str = "console"
    # Run deferred work inside the request instead of queueing it for the workers (the console: one person).
    deferred_at_once: bool = False

    @classmethod
    def create(cls, settings: Settings) -> Core:
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_sessionmaker(engine))

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.settings.kiun_admins

    def local_now(self) -> datetime:
        return utcnow().astimezone(self.settings.tz)

    def schedules_changed(self) -> None:
        """Tell the running scheduler (if any) that schedules or the calendar changed."""
        for callback in self.on_schedules_changed:
            callback()

    def home_changed(self, user_id: str, session: Session | None = None) -> None:
        """Tell the platform (if it shows a per-person home, e.g. Slack's App Home) that what ``user_id`` sees
        there changed; with ``session``, only once that session's transaction has committed."""
        if not self.on_home_changed:
            return
        if session is None:
            for callback in self.on_home_changed:
                callback(user_id)
            return
        pending = session.info.setdefault("kiun_home_changed", [])
        if not pending:
            event.listen(session, "after_commit", self._fire_home_changed, once=True)
        if user_id not in pending:
            pending.append(user_id)

    def _fire_home_changed(self, session: Session) -> None:
        for user_id in session.info.pop("kiun_home_changed", []):
            self.home_changed(user_id)

    def close(self) -> None:
        self.engine.dispose()
