"""The features staff name: lessons (with facts, quizzes and review), ideas, polls, qa, report, home, admin, content.

Each is a folder with its handlers, views, rules/store, jobs and models; :func:`build_router` registers every
feature's handlers with one router.
"""

from __future__ import annotations

from bot.chat.router import Router
from bot.features.admin import handlers as admin
from bot.features.admin import schedules
from bot.features.content import handlers as content
from bot.features.home import handlers as home
from bot.features.ideas import handlers as ideas
from bot.features.lessons import handlers as lessons
from bot.features.polls import handlers as polls
from bot.features.qa import handlers as qa
from bot.features.report import handlers as report


def build_router() -> Router:
    """The router with every feature registered."""
    router = Router()
    for module in (admin, home, ideas, lessons, schedules, polls, qa, report, content):
        module.register(router)
    return router
