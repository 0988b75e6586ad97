"""Schedules in kiun's tables, run by APScheduler 3 with one ``job_runs`` row per occurrence.

APScheduler keeps only an in-memory copy, rebuilt from the ``schedules`` table at start and whenever
``core.schedules_changed()`` is called; nothing is pickled. Each firing first inserts a ``job_runs`` row
unique on (schedule, occurrence): the replica whose insert succeeds does the work, the others step aside.

At start, the latest occurrence missed within the catch-up grace runs once; occurrences older than the grace
(kiun was down longer) are recorded as ``missed`` runs and logged, so ``kiun jobs list``, ``/kiun admin jobs``
and ``/metrics`` show them.
"""

from __future__ import annotations

import heapq
import logging
import sys
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import islice

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.scheduling.calendar import BusinessCalendar
from bot.scheduling.models import JobRun, JobState, Schedule
from bot.scheduling.registry import registry
from bot.scheduling.triggers import ScheduleTrigger, parse_cron

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 600  # a firing delayed by a busy pool still runs within 10 minutes
EXECUTOR_THREADS = 4
ERROR_MAX_CHARS = 2000
JOB_PREFIX = "schedule:"
MISSED_MAX = 100  # missed occurrences recorded per schedule at one start (the latest ones)
MISSED_SCAN = 10_000  # occurrences looked at per schedule (a schedule every second, down for hours)
MISSED_ERROR = "kiun was not running at this time (down longer than the catch-up grace of {minutes} minutes)"


@dataclass(frozen=True)
class ScheduleInfo:
    """One schedule as shown by ``kiun jobs list`` and ``/kiun admin jobs``."""

    name: str
    job: str
    cron: str
    business_days_only: bool
    enabled: bool
    next_run: datetime | None
    error: str | None = None
    last_run: datetime | None = None  # the latest occurrence with a job_runs row (local time)
    last_state: str | None = None  # running | done | failed | missed


def sync_schedules(core: Core) -> None:
    """Create a schedule with the registry's defaults for each job that has none; existing rows are kept."""
    jobs = registry()
    try:
        with transaction(core.sessions) as session:
            known = set(session.scalars(select(Schedule.name)))
            for spec in jobs.values():
                if spec.name in known:
                    continue
                session.add(
                    Schedule(
                        name=spec.name,
                        job=spec.name,
                        cron=spec.cron,
                        business_days_only=spec.business_days_only,
                        enabled=True,
                        params={},
                    )
                )
                log.info("schedule %s created", spec.name, extra={"schedule": spec.name, "cron": spec.cron})
    except IntegrityError:
        log.info("schedules were created by another process at the same time")


def build_trigger(core: Core, schedule: Schedule, calendar: BusinessCalendar) -> ScheduleTrigger:
    """The trigger for ``schedule`` (ValueError for a cron that cannot be parsed)."""
    cron = parse_cron(schedule.cron, core.settings.tz)
    return ScheduleTrigger(cron, calendar if schedule.business_days_only else None)


@dataclass(frozen=True)
class JobPlan:
    """When the enabled schedules of one job run: what a promise such as "the review comes on Monday" is based on."""

    calendar: BusinessCalendar
    triggers: tuple[ScheduleTrigger, ...]
    tz: tzinfo

    def runs_after(self, after: datetime) -> Iterator[datetime]:
        """The job's runs strictly after ``after``, earliest first (aware, local time)."""
        start = after + timedelta(microseconds=1)
        return heapq.merge(*(trigger.occurrences(start) for trigger in self.triggers))

    def run_before(self, when: datetime, window: timedelta) -> datetime | None:
        """The job's latest run strictly before ``when`` and within ``window`` of it, or None."""
        runs = (trigger.latest_at_or_before(when - timedelta(microseconds=1), window) for trigger in self.triggers)
        return max(filter(None, runs), default=None)

    def run_day(self, day: date) -> date | None:
        """The first day on or after ``day`` the job runs; None when no schedule of it is enabled."""
        start = datetime.combine(day, time(0), tzinfo=self.tz) - timedelta(microseconds=1)
        when = next(self.runs_after(start), None)
        return when.date() if when else None


def job_plan(core: Core, job: str) -> JobPlan:
    """The :class:`JobPlan` of ``job`` (schedules whose cron cannot be parsed are left out)."""
    schedules, calendar = _load(core)
    triggers = []
    for schedule in schedules:
        if schedule.enabled and schedule.job == job:
            try:
                triggers.append(build_trigger(core, schedule, calendar))
            except ValueError:
                continue  # reported when the scheduler is rebuilt
    return JobPlan(calendar, tuple(triggers), core.settings.tz)


def _load(core: Core) -> tuple[list[Schedule], BusinessCalendar]:
    with core.sessions() as session:
        schedules = list(session.scalars(select(Schedule).order_by(Schedule.name)))
        calendar = BusinessCalendar.load(session, core.settings.kiun_year_end_closed)
    return schedules, calendar


def _get(core: Core, name: str) -> Schedule:
    with core.sessions() as session:
        schedule = session.scalar(select(Schedule).where(Schedule.name == name))
        if schedule is None:
            names = ", ".join(session.scalars(select(Schedule.name).order_by(Schedule.name))) or "none"
            raise ConfigError(f"unknown schedule {name!r}; known schedules: {names}")
    return schedule


def describe_schedules(core: Core) -> list[ScheduleInfo]:
    """Every schedule with its next run (aware, local time; None when disabled or its cron is invalid)."""
    schedules, calendar = _load(core)
    now = core.local_now()
    latest = (
        select(JobRun.schedule, func.max(JobRun.occurrence).label("occurrence")).group_by(JobRun.schedule).subquery()
    )
    with core.sessions() as session:
        last = {
            name: (occurrence, state)
            for name, occurrence, state in session.execute(
                select(JobRun.schedule, JobRun.occurrence, JobRun.state).join(
                    latest, (JobRun.schedule == latest.c.schedule) & (JobRun.occurrence == latest.c.occurrence)
                )
            )
        }
    rows = []
    for schedule in schedules:
        when, error = None, None
        if schedule.enabled:
            try:
                when = build_trigger(core, schedule, calendar).first_at_or_after(now)
            except ValueError as exc:
                error = str(exc)
        last_run, last_state = last.get(schedule.name, (None, None))
        rows.append(
            ScheduleInfo(
                schedule.name,
                schedule.job,
                schedule.cron,
                schedule.business_days_only,
                schedule.enabled,
                when,
                error,
                last_run.astimezone(core.settings.tz) if last_run else None,
                last_state,
            )
        )
    return rows


def next_run(core: Core, name: str, after: datetime | None = None) -> datetime | None:
    """The first run strictly after ``after`` (naive = local time; default now), or None when disabled."""
    schedule = _get(core, name)
    if not schedule.enabled:
        return None
    tz = core.settings.tz
    after = core.local_now() if after is None else (after.replace(tzinfo=tz) if after.tzinfo is None else after)
    try:
        trigger = build_trigger(core, schedule, BusinessCalendar.current(core))
    except ValueError as exc:
        raise ConfigError(f"schedule {name} has an invalid cron: {exc}") from None
    when = trigger.first_at_or_after(after + timedelta(microseconds=1))
    return when.astimezone(tz) if when else None


def run_now(core: Core, name: str) -> int:
    """Run a schedule's job once now and print what it did (exit code: 0 done, 1 failed or taken)."""
    schedule = _get(core, name)
    state, detail = _run(core, schedule.name, core.local_now())
    stream = sys.stdout if state == JobState.DONE else sys.stderr
    print(f"kiun: {name}: {detail or state}", file=stream)
    return 0 if state == JobState.DONE else 1


def run_occurrence(core: Core, name: str, occurrence: datetime) -> JobState:
    """Claim ``occurrence`` of schedule ``name`` and run its job: ``done``, ``failed`` or ``skipped``
    (another worker has the row already). A failing job is recorded, never raised."""
    return _run(core, name, occurrence)[0]


def _run(core: Core, name: str, occurrence: datetime) -> tuple[JobState, str | None]:
    """:func:`run_occurrence`, with the job's outcome (what it did, or why it did nothing) or the error."""
    fields = {"schedule": name, "occurrence": occurrence.isoformat()}
    try:
        with transaction(core.sessions) as session:
            schedule = session.scalar(select(Schedule).where(Schedule.name == name))
            if schedule is None:
                log.warning("schedule %s no longer exists", name, extra=fields)
                return JobState.SKIPPED, "the schedule no longer exists"
            job_name, params = schedule.job, dict(schedule.params or {})
            run = JobRun(schedule=name, occurrence=occurrence, state=JobState.RUNNING, worker=core.worker_id)
            session.add(run)
    except IntegrityError:
        log.info("job %s at %s: taken by another worker", name, fields["occurrence"], extra=fields | {"won": False})
        return JobState.SKIPPED, "this occurrence was taken by another worker"
    log.info("job %s at %s: started", name, fields["occurrence"], extra=fields | {"won": True})
    error = outcome = None
    try:
        spec = registry().get(job_name)
        if spec is None:
            raise LookupError(f"no job named {job_name!r} is registered")
        outcome = spec.func(core, occurrence.astimezone(core.settings.tz), params)
    except Exception as exc:  # noqa: BLE001 - a failing job must never stop the scheduler
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
        log.exception("job %s at %s failed", name, fields["occurrence"], extra=fields)
    state = JobState.FAILED if error else JobState.DONE
    with transaction(core.sessions) as session:
        session.execute(
            update(JobRun).where(JobRun.id == run.id).values(state=state, error=error, finished_at=utcnow())
        )
    if error:
        return state, f"failed: {error}"
    log.info("job %s at %s: done%s", name, fields["occurrence"], f"; {outcome}" if outcome else "", extra=fields)
    return state, outcome


def due_catch_ups(core: Core, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """For each enabled schedule, its latest occurrence within the catch-up grace before ``now`` that has no
    ``job_runs`` row (at most one per schedule)."""
    now = now or core.local_now()
    window = timedelta(minutes=core.settings.kiun_catchup_grace_minutes)
    if not window:
        return []
    schedules, calendar = _load(core)
    due = []
    for schedule in schedules:
        if not schedule.enabled:
            continue
        try:
            trigger = build_trigger(core, schedule, calendar)
        except ValueError:
            continue  # reported when the scheduler is rebuilt
        latest = trigger.latest_at_or_before(now - timedelta(microseconds=1), window)
        if latest is None:
            continue
        with core.sessions() as session:
            exists = session.scalar(
                select(JobRun.id).where(JobRun.schedule == schedule.name, JobRun.occurrence == latest)
            )
        if exists is None:
            due.append((schedule.name, latest))
    return due


def record_misses(core: Core, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Record as ``missed`` (and log) each occurrence of an enabled schedule that fell while kiun was down and is
    older than the catch-up grace, so it will never run; returns them. Only occurrences after the schedule was
    created or last changed and after its latest run count; at most :data:`MISSED_MAX` a schedule. With a grace of
    0 (catch-up off) nothing is recorded."""
    now = now or core.local_now()
    minutes = core.settings.kiun_catchup_grace_minutes
    if not minutes:  # catch-up is off: nothing at start looks back
        return []
    horizon = now - timedelta(minutes=minutes)
    schedules, calendar = _load(core)
    with core.sessions() as session:
        latest = select(JobRun.schedule, func.max(JobRun.occurrence)).group_by(JobRun.schedule)
        last = dict(session.execute(latest).all())
    missed = []
    for schedule in schedules:
        if not schedule.enabled:
            continue
        try:
            trigger = build_trigger(core, schedule, calendar)
        except ValueError:
            continue  # reported when the scheduler is rebuilt
        since = max(filter(None, (schedule.updated_at, last.get(schedule.name))))
        scanned = islice(trigger.occurrences(since + timedelta(microseconds=1), horizon), MISSED_SCAN)
        found = deque(scanned, maxlen=MISSED_MAX)
        missed += [(schedule.name, occurrence) for occurrence in found]
    if not missed:
        return []
    error = MISSED_ERROR.format(minutes=minutes)
    rows = [
        {"schedule": name, "occurrence": occurrence, "state": JobState.MISSED, "worker": core.worker_id, "error": error}
        for name, occurrence in missed
    ]
    with transaction(core.sessions) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(JobRun).values(rows).on_conflict_do_nothing()
        # another replica starting at the same time may have recorded some: log only ours
        recorded = statement.returning(JobRun.schedule, JobRun.occurrence)
        missed = [(name, occurrence) for name, occurrence in session.execute(recorded)]
    for name, occurrence in missed:
        fields = {"schedule": name, "occurrence": occurrence.astimezone(core.settings.tz).isoformat()}
        log.warning("job %s at %s: missed; %s", name, fields["occurrence"], error, extra=fields | {"missed": True})
    return missed


class Scheduler:
    """The live scheduler: an APScheduler ``BackgroundScheduler`` kept in step with the schedules table."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._lock = threading.Lock()
        self._triggers: dict[str, ScheduleTrigger] = {}
        self._aps = BackgroundScheduler(
            timezone=core.settings.tz,
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(EXECUTOR_THREADS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        )

    def start(self) -> None:
        """Build the jobs, record occurrences missed beyond the grace, queue catch-ups of the ones within it, then
        start firing."""
        self._aps.start(paused=True)
        self.rebuild()
        now = self.core.local_now()
        record_misses(self.core, now)
        for name, occurrence in due_catch_ups(self.core, now):
            log.info("catching up %s at %s", name, occurrence.isoformat(), extra={"schedule": name})
            self._aps.add_job(
                self._fire,
                DateTrigger(self.core.local_now()),
                args=[name, occurrence.isoformat()],
                id=f"catch-up:{name}",
                name=f"catch-up {name}",
                misfire_grace_time=None,
                replace_existing=True,
            )
        self.core.on_schedules_changed.append(self.rebuild)
        self._aps.resume()

    def shutdown(self, wait: bool = True) -> None:
        if self.rebuild in self.core.on_schedules_changed:
            self.core.on_schedules_changed.remove(self.rebuild)
        if self._aps.running:
            self._aps.shutdown(wait=wait)

    def planned(self) -> dict[str, datetime]:
        """The next firing of each live schedule, by name (local time)."""
        return {
            job.id[len(JOB_PREFIX) :]: job.next_run_time
            for job in self._aps.get_jobs()
            if job.id.startswith(JOB_PREFIX) and job.next_run_time
        }

    def rebuild(self) -> None:
        """Replace the APScheduler jobs with the enabled schedules from the database."""
        schedules, calendar = _load(self.core)
        with self._lock:
            triggers = {}
            for schedule in schedules:
                if not schedule.enabled:
                    continue
                try:
                    triggers[schedule.name] = build_trigger(self.core, schedule, calendar)
                except ValueError as exc:
                    log.error("schedule %s not started: %s", schedule.name, exc, extra={"schedule": schedule.name})
            for job in self._aps.get_jobs():
                if job.id.startswith(JOB_PREFIX) and job.id[len(JOB_PREFIX) :] not in triggers:
                    job.remove()
            for name, trigger in triggers.items():
                self._aps.add_job(
                    self._fire, trigger, args=[name], id=JOB_PREFIX + name, name=name, replace_existing=True
                )
            self._triggers = triggers
        log.info("scheduler rebuilt: %d schedules", len(triggers), extra={"schedules": sorted(triggers)})

    def _fire(self, name: str, occurrence: str | None = None) -> None:
        """Run one occurrence: given (catch-up), or the latest fire time of the schedule's trigger."""
        try:
            if occurrence is None:
                with self._lock:
                    trigger = self._triggers.get(name)
                when = trigger and trigger.latest_at_or_before(
                    self.core.local_now(), timedelta(seconds=MISFIRE_GRACE_SECONDS)
                )
                if not when:
                    log.warning("schedule %s fired with no occurrence due", name, extra={"schedule": name})
                    return
            else:
                when = datetime.fromisoformat(occurrence)
            run_occurrence(self.core, name, when)
        except Exception:  # noqa: BLE001 - e.g. the database is down; the next firing tries again
            log.exception("schedule %s could not run", name, extra={"schedule": name})
