"""Every idea as CSV for Excel on Japanese Windows: UTF-8 with a BOM, CRLF line ends, one row per idea.

Anonymous ideas leave the proposer empty. Cells that Excel would run as a formula (starting with = + - @, tab
or carriage return) get a leading apostrophe, so a proposal can never execute anything on a reviewer's PC.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.common.departments import department_name
from bot.features.ideas.models import Idea, IdeaComment, IdeaEvent, IdeaVote
from bot.features.ideas.rules import category_label, status_label

BOM = "\ufeff"
COLUMNS = (
    "number",
    "title",
    "problem",
    "proposal",
    "effect",
    "hours_saved",
    "department",
    "category",
    "anonymous",
    "proposer",
    "status",
    "votes",
    "comments",
    "created_at",
    "status_changed_at",
    "effect_note",
    "history",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(core: Core, lang: str = "ja") -> tuple[bytes, int]:
    """The CSV file's bytes (UTF-8 with BOM) and the number of ideas in it."""
    tz = ZoneInfo(core.settings.kiun_timezone)

    def when(moment) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    with core.sessions() as session:
        ideas = session.scalars(select(Idea).order_by(Idea.id)).all()
        votes = dict(session.execute(select(IdeaVote.idea_id, func.count()).group_by(IdeaVote.idea_id)).all())
        comments = dict(session.execute(select(IdeaComment.idea_id, func.count()).group_by(IdeaComment.idea_id)).all())
        history: dict[int, list[str]] = defaultdict(list)
        for event in session.scalars(select(IdeaEvent).order_by(IdeaEvent.id)):
            step = status_label(event.to_status, lang)
            if event.from_status:
                step = f"{status_label(event.from_status, lang)}→{step}"
            reason = f" ({event.reason})" if event.reason else ""
            history[event.idea_id].append(f"{when(event.created_at)} {step}{reason}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"idea.csv.{column}", lang) for column in COLUMNS])
    yes, no = t("idea.csv.yes", lang), t("idea.csv.no", lang)
    for idea in ideas:
        row = [
            idea.id,
            idea.title,
            idea.problem,
            idea.proposal,
            idea.effect,
            "" if idea.hours_saved is None else idea.hours_saved,
            department_name(idea.department),
            category_label(idea.category, lang),
            yes if idea.anonymous else no,
            "" if idea.anonymous else idea.proposer_id,
            status_label(idea.status, lang),
            votes.get(idea.id, 0),
            comments.get(idea.id, 0),
            when(idea.created_at),
            when(idea.status_changed_at),
            idea.effect_note,
            " / ".join(history[idea.id]),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return (BOM + out.getvalue()).encode("utf-8"), len(ideas)


def export_filename(core: Core) -> str:
    return f"kiun-ideas-{core.local_now():%Y%m%d-%H%M}.csv"
