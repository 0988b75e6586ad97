"""``/kiun admin report [YYYY-MM]``: the monthly engagement report — a short summary with the momentum chart,
and the HTML report as a file (by DM on Slack, since building it can take a few seconds)."""

from __future__ import annotations

from bot.core import Core
from bot.handlers import Request, Router
from bot.handlers.later import reply_later
from bot.i18n import t
from bot.replies import Reply, escape
from bot.services.engagement.format import month_label
from bot.services.engagement.month import Month
from bot.services.engagement.report import build_report, summary_reply


def register(router: Router) -> None:
    router.admin("report", lambda core, request: report_reply(core, request, request.text))


def report_reply(core: Core, request: Request, text: str) -> Reply:
    """The report of the month in ``text`` (``YYYY-MM``; this month when empty)."""
    lang = request.lang
    this_month = Month.of(core.local_now().date())
    try:
        month = Month.parse(text) if text.strip() else this_month
    except ValueError:
        return Reply(text=t("report.admin.bad_month", lang, text=escape(text.strip()[:20]), example=this_month.key()))
    label = month_label(month, lang)
    if month > this_month:
        return Reply(text=t("report.admin.future", lang, month=label))
    return reply_later(
        core,
        request,
        "report",
        lambda: summary_reply(build_report(core, month), lang),
        Reply(text=t("report.admin.coming", lang, month=label)),
    )
