"""ORM models, one module a feature; importing this package registers them all on ``Base.metadata``."""

from bot.db.models.base import Base
from bot.db.models.foundation import CalendarOverride, JobRun, OutboxMessage, Schedule, SlackEvent
from bot.db.models.ideas import Champion, Idea, IdeaComment, IdeaDraft, IdeaEvent, IdeaVote
from bot.db.models.lessons import ContentPost, LessonView, QuizAnswer, QuizReview, ReviewSetting
from bot.db.models.polls import PollAnswer, PollRecipient, PollRun
from bot.db.models.qa import QaChunk, QaDocument, QaFeedback, QaPosting, QaQuestion

__all__ = [
    "Base",
    "CalendarOverride",
    "Champion",
    "ContentPost",
    "Idea",
    "IdeaComment",
    "IdeaDraft",
    "IdeaEvent",
    "IdeaVote",
    "JobRun",
    "LessonView",
    "OutboxMessage",
    "PollAnswer",
    "PollRecipient",
    "PollRun",
    "QaChunk",
    "QaDocument",
    "QaFeedback",
    "QaPosting",
    "QaQuestion",
    "QuizAnswer",
    "QuizReview",
    "ReviewSetting",
    "Schedule",
    "SlackEvent",
]
