"""The job registry: scheduled work as plain, stable callables.

A job is ``func(core, occurrence, params)``: ``occurrence`` is the aware local time the run stands for and
``params`` the schedule's JSON parameters. It returns a short outcome in English — what it did, or why it did
nothing and what to do instead — which ``kiun jobs run`` prints and the log records. Jobs enqueue deliveries
(``bot.services.delivery.enqueue``) and never call a platform directly. Each job module registers itself with
:func:`job`; :func:`registry` loads them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core import Core

JobFunc = Callable[["Core", datetime, dict[str, Any]], str | None]

# Modules whose import registers kiun's built-in jobs; a new job module is added here.
BUILTIN_MODULES = (
    "bot.jobs.housekeeping",
    "bot.jobs.weekly_plan",
    "bot.jobs.ideas",
    "bot.jobs.lessons",
    "bot.jobs.polls",
)


@dataclass(frozen=True)
class JobSpec:
    """A registered job and the defaults of the schedule created for it."""

    name: str
    func: JobFunc
    cron: str
    business_days_only: bool
    description: str


_JOBS: dict[str, JobSpec] = {}


def job(name: str, *, cron: str, business_days_only: bool, description: str) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as the job ``name`` with its default schedule (crontab, local time)."""

    def register(func: JobFunc) -> JobFunc:
        _JOBS[name] = JobSpec(name, func, cron, business_days_only, description)
        return func

    return register


def unregister(name: str) -> None:
    """Forget a job (tests register their own and clean up)."""
    _JOBS.pop(name, None)


def registry() -> dict[str, JobSpec]:
    """Every registered job by name, built-ins included."""
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return dict(_JOBS)
