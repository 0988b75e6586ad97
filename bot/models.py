"""Every table of kiun: importing this module registers all models on ``Base.metadata`` (Alembic, tests)."""

from bot.content.models import ContentLog, ContentUpload, ContentVersion
from bot.db.base import Base
from bot.delivery.models import DeferredTask, OutboxMessage, PlatformEvent
from bot.features.ideas.models import Champion, Idea, IdeaComment, IdeaDraft, IdeaEvent, IdeaVote
from bot.features.lessons.models import ContentPost, LessonView, QuizAnswer, QuizReview, ReviewSetting
from bot.features.polls.models import PollAnswer, PollRecipient, PollRun
from bot.features.qa.models import QaChunk, QaDocument, QaDocumentVersion, QaFeedback, QaPosting, QaQuestion
from bot.platforms.teams.models import TeamsConversation, TeamsPerson
from bot.scheduling.models import CalendarOverride, JobRun, Schedule

__all__ = [
    "Base",
    "CalendarOverride",
    "Champion",
    "ContentLog",
    "ContentPost",
    "ContentUpload",
    "ContentVersion",
    "DeferredTask",
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
    "QaDocumentVersion",
    "QaFeedback",
    "QaPosting",
    "QaQuestion",
    "QuizAnswer",
    "QuizReview",
    "ReviewSetting",
    "Schedule",
    "TeamsConversation",
    "TeamsPerson",
    "PlatformEvent",
]
