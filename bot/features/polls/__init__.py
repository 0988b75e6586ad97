"""Pulse polls: templates, runs (open, answer, remind, close), results with anonymity thresholds, trend.

See docs/polls.md for what is and is not stored.
"""

from bot.features.polls.results import MIN_COMMENTS, MIN_SCORES, RunResults, TrendPoint, compute_results, momentum_trend
from bot.features.polls.runs import (
    COMMENT_LIMIT,
    PollError,
    broadcast,
    close_run,
    open_run,
    record_answer,
    remind,
    respondent_token,
    resume_opening,
    start_run,
)
from bot.features.polls.templates import PollTemplate, TemplateError, check_templates, get_template, load_templates

__all__ = [
    "COMMENT_LIMIT",
    "MIN_COMMENTS",
    "MIN_SCORES",
    "PollError",
    "PollTemplate",
    "RunResults",
    "TemplateError",
    "TrendPoint",
    "broadcast",
    "check_templates",
    "close_run",
    "compute_results",
    "get_template",
    "load_templates",
    "momentum_trend",
    "open_run",
    "record_answer",
    "remind",
    "respondent_token",
    "resume_opening",
    "start_run",
]
