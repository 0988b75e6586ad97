"""The ``kiun`` command: console, serve, worker, db, jobs."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy.exc import OperationalError

from bot import __version__
from bot.app import logs
from bot.app.config import ConfigError, Settings, load_settings
from bot.cli import content, docs, ideas, polls, report, teams
from bot.cli.connect import core_for, database_problem, wait_for_core
from bot.db.migrate import upgrade
from bot.features import build_router
from bot.features.admin import weekly_plan
from bot.features.home import handlers as home_handlers
from bot.features.ideas import jobs as idea_jobs
from bot.features.lessons import jobs as lesson_jobs
from bot.features.polls import handlers as poll_handlers
from bot.features.polls import jobs as poll_jobs
from bot.features.report import handlers as report_handlers
from bot.platforms.console import run_console
from bot.platforms.slack.client import make_client
from bot.platforms.slack.server import serve
from bot.platforms.slack.transport import PLATFORM as SLACK
from bot.platforms.slack.transport import SlackTransport
from bot.scheduling import housekeeping
from bot.scheduling.registry import check_settings
from bot.scheduling.scheduler import describe_schedules, next_run, run_now
from bot.scheduling.workers import run_worker

EXIT_CONFIG = 2

# The modules whose import registers kiun's jobs (bot.scheduling.registry.job); a new job module joins here.
JOB_MODULES = (housekeeping, weekly_plan, idea_jobs, lesson_jobs, poll_jobs)
# The modules whose import registers kiun's deferred tasks (bot.delivery.deferred.task).
TASK_MODULES = (home_handlers, poll_handlers, report_handlers)
# The command modules that add their own sub-commands with ``add_commands(subparsers)``.
FEATURE_COMMANDS = (content, ideas, polls, docs, report, teams)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiun",
        description="kiun (機運): a chat bot that helps city staff take DX into their own hands.",
    )
    parser.add_argument("--version", action="version", version=f"kiun {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    console = sub.add_parser(
        "console",
        help="chat with the bot in this terminal (no Slack, no keys needed)",
        description="Chat with the bot in this terminal. Lines starting with / are slash "
        "commands (/kiun help); type a number to press a button; Ctrl-D quits.",
    )
    console.add_argument("--user", default="U_CONSOLE", help="the user id you act as (default U_CONSOLE)")
    console.add_argument("--admin", action="store_true", help="act as a DX office admin")
    console.set_defaults(run=_console)

    serve = sub.add_parser(
        "serve",
        help="connect to Slack (or Teams) and run the scheduler and delivery",
        description="Run the Slack bot. Socket Mode when SLACK_APP_TOKEN is set; with --http, "
        "serve POST /slack/events, GET /healthz and GET /metrics instead. With --teams, run the Microsoft "
        "Teams bot: POST /api/messages, GET /healthz and GET /metrics.",
    )
    platform = serve.add_mutually_exclusive_group()
    platform.add_argument("--http", action="store_true", help="serve Slack over HTTP instead of Socket Mode")
    platform.add_argument("--teams", action="store_true", help="serve Microsoft Teams (see docs/teams.md)")
    serve.add_argument(
        "--host",
        default="0.0.0.0",
        help="address to listen on with --http, --teams or --health-port (default 0.0.0.0)",
    )
    serve.add_argument(
        "--port", type=int, help="port to listen on with --http (default 3000) or --teams (default 3978)"
    )
    serve.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help="in Socket Mode, serve GET /healthz (503 while the link to Slack is down) and GET /metrics on PORT",
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="only answer Slack; run the scheduler and delivery elsewhere (kiun worker)",
    )
    serve.set_defaults(run=_serve)

    worker = sub.add_parser(
        "worker",
        help="run only the scheduler and message delivery (no listener)",
        description="Run the scheduler and the outbox sender without listening to Slack (or Teams). "
        "Any number of workers may share one PostgreSQL database.",
    )
    worker.add_argument("--teams", action="store_true", help="deliver to Microsoft Teams instead of Slack")
    worker.set_defaults(run=_worker)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="create or update the database tables (Alembic upgrade head)")
    upgrade.set_defaults(run=_db_upgrade)

    jobs = sub.add_parser("jobs", help="scheduled posts: list, run now, next run")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_sub.add_parser(
        "list", help="each schedule, its next run and its last run (done, failed or missed)"
    ).set_defaults(run=_jobs_list)
    run = jobs_sub.add_parser("run", help="run one schedule now, once")
    run.add_argument("name", help="schedule name (see kiun jobs list)")
    run.set_defaults(run=_jobs_run)
    nxt = jobs_sub.add_parser("next", help="print a schedule's next run as ISO 8601")
    nxt.add_argument("name", help="schedule name (see kiun jobs list)")
    nxt.add_argument(
        "--after",
        type=_iso_datetime,
        default=None,
        help="compute the next run after this time (ISO 8601; local time if no offset)",
    )
    nxt.set_defaults(run=_jobs_next)

    for module in FEATURE_COMMANDS:
        module.add_commands(sub)
    return parser


def _iso_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {value!r} (e.g. 2026-12-28T09:00)") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.setup(settings.kiun_log_level, settings.kiun_log_format)
        return args.run(settings, args) or 0
    except ConfigError as exc:
        print(f"kiun: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OperationalError as exc:
        print(f"kiun: {database_problem(exc)}; check that it is running and reachable", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _console(settings: Settings, args: argparse.Namespace) -> int:
    if settings.kiun_log_level.upper() == "INFO":  # keep the chat readable; DEBUG still shows everything
        logging.getLogger().setLevel(logging.WARNING)

    return run_console(core_for(settings), build_router(), user_id=args.user, admin=args.admin)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.teams:
        # imported here: the Teams SDK (FastAPI, uvicorn, msal) takes about 2 s to load, which no other command needs
        from bot.platforms.teams.server import check_teams_settings, serve_teams  # noqa: PLC0415

        check_teams_settings(settings)
        if not args.no_worker:
            check_settings(settings)
        core = wait_for_core(settings, threading.Event())
        if core is None:
            return 0
        try:
            return serve_teams(core, build_router(), args.host, args.port or 3978, worker=not args.no_worker)
        finally:
            core.close()
    if args.http:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    else:
        settings.require(
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            hint="set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or run kiun serve --http",
        )
    if not args.no_worker:
        check_settings(settings)
    connect = partial(wait_for_core, settings)
    return serve(
        settings,
        connect,
        build_router(),
        http=args.http,
        host=args.host,
        port=args.port or 3000,
        worker=not args.no_worker,
        health_port=args.health_port,
    )


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    if args.teams:
        from bot.platforms.teams.connector import Connector  # noqa: PLC0415 - see _serve
        from bot.platforms.teams.server import check_teams_settings, wire  # noqa: PLC0415
        from bot.platforms.teams.transport import PLATFORM as TEAMS  # noqa: PLC0415
        from bot.platforms.teams.transport import SEND_RATE  # noqa: PLC0415

        check_teams_settings(settings)
        check_settings(settings)
        return run_worker(
            partial(wait_for_core, settings), lambda core: wire(core, Connector(settings)), TEAMS, SEND_RATE
        )
    settings.require("SLACK_BOT_TOKEN")
    check_settings(settings)
    transport = SlackTransport(make_client(settings), lang=settings.kiun_locale)
    return run_worker(partial(wait_for_core, settings), lambda core: transport, SLACK)


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("kiun: database is up to date")
    return 0


def _jobs_list(settings: Settings, args: argparse.Namespace) -> int:
    for row in describe_schedules(core_for(settings)):
        when = row.next_run.isoformat() if row.next_run else "disabled"
        days = "business days" if row.business_days_only else "every day"
        print(f"{row.name:<16} {row.cron:<20} {days:<14} next: {when}")
        if row.last_run:
            print(f"{'':<16} last: {row.last_run.isoformat()} {row.last_state}")
    return 0


def _jobs_run(settings: Settings, args: argparse.Namespace) -> int:
    return run_now(core_for(settings), args.name)


def _jobs_next(settings: Settings, args: argparse.Namespace) -> int:
    when = next_run(core_for(settings), args.name, args.after)
    if when is None:
        print(f"kiun: schedule {args.name} is disabled", file=sys.stderr)
        return 1
    print(when.isoformat())
    return 0
