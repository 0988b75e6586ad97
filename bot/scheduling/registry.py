"""The job registry: scheduled work as plain, stable callables.

A job is ``func(core, occurrence, params)``: ``occurrence`` is the aware local time the run stands for and
``params`` the schedule's JSON parameters. It returns a short outcome in English — what it did, or why it did
nothing and what to do instead — which ``kiun jobs run`` prints and the log records. Jobs enqueue deliveries
(``bot.delivery.outbox.enqueue``) and never call a platform directly. Each job module registers its jobs with
:func:`job` when imported; the composition root (``bot.cli``) imports kiun's job modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.app.config import ConfigError, Settings
from bot.app.core import Core

log = logging.getLogger(__name__)

JobFunc = Callable[[Core, datetime, dict[str, Any]], str | None]


@dataclass(frozen=True)
class JobSpec:
    """A registered job and the defaults of the schedule created for it."""

    name: str
    func: JobFunc
    cron: str
    business_days_only: bool
    description: str
    switch: str | None = None  # the setting that turns the job on: while it is unset, the job does nothing
    needs: dict[str, str] = field(default_factory=dict)  # settings it cannot run without once on → why


_JOBS: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    cron: str,
    business_days_only: bool,
    description: str,
    switch: str | None = None,
    needs: dict[str, str] | None = None,
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as the job ``name`` with its default schedule (crontab, local time), the setting that
    turns it on (e.g. its channel) and the settings it then cannot run without (environment name → why), which
    ``kiun serve`` and ``kiun worker`` check at start (:func:`check_settings`)."""

    def register(func: JobFunc) -> JobFunc:
        _JOBS[name] = JobSpec(name, func, cron, business_days_only, description, switch, dict(needs or {}))
        return func

    return register


def unregister(name: str) -> None:
    """Forget a job (tests register their own and clean up)."""
    _JOBS.pop(name, None)


def registry() -> dict[str, JobSpec]:
    """Every registered job by name."""
    return dict(_JOBS)


def check_settings(settings: Settings) -> None:
    """Before the scheduler starts: ConfigError naming the first setting that a job turned on cannot run without;
    a warning for each unset setting that leaves jobs doing nothing."""
    off: dict[str, list[str]] = {}
    for spec in registry().values():
        if spec.switch and not getattr(settings, spec.switch.lower()):
            off.setdefault(spec.switch, []).append(spec.name)
            continue
        for name, why in spec.needs.items():
            if not getattr(settings, name.lower()):
                raise ConfigError(f"{name} is not set; {why}")
    for name, names in off.items():
        log.warning("%s is not set: the %s schedules will do nothing", name, ", ".join(names))
