"""ORM models, one module a feature; importing this package registers them all on ``Base.metadata``."""

from bot.db.models.base import Base
from bot.db.models.foundation import CalendarOverride, JobRun, OutboxMessage, Schedule, SlackEvent

__all__ = ["Base", "CalendarOverride", "JobRun", "OutboxMessage", "Schedule", "SlackEvent"]
