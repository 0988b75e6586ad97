"""``/kiun admin report [YYYY-MM]``: the monthly engagement report — a short summary with the momentum chart,
and the HTML report as a file (by DM on Slack, since building it can take a few seconds)."""

from __future__ import annotations

import uuid
from typing import Any

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.markup import literal
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.common.text import day_text
from bot.delivery.deferred import defer, task
from bot.features.report.month import Month
from bot.features.report.report import build_report, summary_reply


def register(router: Router) -> None:
    router.admin("report", lambda core, request: report_reply(core, request, request.text))


def report_reply(core: Core, request: Request, text: str) -> Reply:
    """The report of the month in ``text`` (``YYYY-MM``; this month when empty)."""
    lang = request.lang
    this_month = Month.of(core.local_now().date())
    try:
        month = Month.parse(text) if text.strip() else this_month
    except ValueError:
        return Reply(text=t("report.admin.bad_month", lang, text=literal(text.strip()[:20]), example=this_month.key()))
    label = day_text(month.first, "month", lang)
    if month > this_month:
        return Reply(text=t("report.admin.future", lang, month=label))
    return defer(
        core,
        "report",
        {"month": month.key(), "lang": lang},
        key=f"report:{request.user_id}:{uuid.uuid4().hex[:12]}",
        ack=Reply(text=t("report.admin.coming", lang, month=label)),
        reply_to=request.user,
    )


@task("report")
def report_task(core: Core, payload: dict[str, Any]) -> Reply:
    """Build the month's report; its summary and files go to the admin who asked."""
    return summary_reply(build_report(core, Month.parse(payload["month"])), payload["lang"])
