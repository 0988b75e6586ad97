"""``kiun polls``: list templates and runs, print a run's results (text or JSON), the momentum trend."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import select

from bot.app.config import Settings
from bot.chat.markup import plain
from bot.cli.connect import core_for
from bot.content.tree import content_root
from bot.delivery.outbox import unreachable
from bot.features.polls.models import PollRun, RunState
from bot.features.polls.results import compute_results, momentum_trend
from bot.features.polls.templates import load_templates, templates_dir
from bot.features.polls.views import results_message


def add_commands(sub: argparse._SubParsersAction) -> None:
    polls = sub.add_parser("polls", help="pulse polls: templates, runs, results, trend")
    polls_sub = polls.add_subparsers(dest="polls_command", required=True)
    polls_sub.add_parser("list", help="templates and the latest runs").set_defaults(run=_list)
    results = polls_sub.add_parser("results", help="a run's results as the anonymity thresholds allow")
    results.add_argument(
        "run_id", metavar="RUN", nargs="?", type=int, help="run number (default: the latest closed run)"
    )
    results.add_argument("--json", action="store_true", help="print JSON (hidden values are null)")
    results.set_defaults(run=_results)
    trend = polls_sub.add_parser("trend", help="the core questions across the closed runs of a poll")
    trend.add_argument("poll", nargs="?", default="dx-momentum", help="template id (default: dx-momentum)")
    trend.add_argument("--json", action="store_true", help="print JSON")
    trend.set_defaults(run=_trend)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    core = core_for(settings)
    for template in load_templates(templates_dir(content_root(core.engine))).values():
        kind = "anonymous" if template.anonymous else "named"
        every = f", every {template.schedule.every_n_weeks} weeks" if template.schedule else ""
        print(f"template {template.id:<18} {kind:<9} {len(template.questions)} questions{every}  {template.title}")
    with core.sessions() as session:
        for run in session.scalars(select(PollRun).order_by(PollRun.id.desc()).limit(20)):
            missed = unreachable(session, f"poll:{run.id}:")
            print(
                f"run {run.id:<5} {run.poll:<18} {run.state:<8} {run.opened_on}..{run.closes_on} "
                f"recipients {run.recipients}" + (f", unreachable {len(missed)}: {' '.join(missed)}" if missed else "")
            )
    return 0


def _results(settings: Settings, args: argparse.Namespace) -> int:
    core = core_for(settings)
    with core.sessions() as session:
        if args.run_id is None:
            query = select(PollRun).where(PollRun.state == RunState.CLOSED).order_by(PollRun.id.desc()).limit(1)
            run = session.scalar(query)
            if run is None:
                print("kiun: no closed poll run yet", file=sys.stderr)
                return 1
        else:
            run = session.get(PollRun, args.run_id)
            if run is None:
                print(f"kiun: no poll run {args.run_id} (see kiun polls list)", file=sys.stderr)
                return 1
        results = compute_results(session, run)
    if args.json:
        print(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
        return 0
    reply = results_message(results, settings.kiun_locale, admin=True)
    print("\n\n".join(plain(section.text) for section in reply.sections))
    return 0


def _trend(settings: Settings, args: argparse.Namespace) -> int:
    points = momentum_trend(core_for(settings), args.poll)
    if args.json:
        rows = [vars(point) | {"opened_on": point.opened_on.isoformat()} for point in points]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for point in points:
        scores = "  ".join(f"{key} {'-' if value is None else value}" for key, value in point.scores.items())
        print(f"run {point.run:<5} {point.opened_on}  {point.responses}/{point.recipients}  {scores}")
    return 0
