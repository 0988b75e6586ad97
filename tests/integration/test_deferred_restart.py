"""Deferred work survives a restart: ``/kiun admin report`` requested over signed HTTP from a real ``kiun serve
--http`` process just before SIGTERM is still delivered to the Slack stand-in — by DM, once — after kiun starts
again on the same database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.common.text import day_text
from bot.features.report.month import Month
from bot.models import DeferredTask, OutboxMessage
from tests.conftest import ADMIN, SIGNING_SECRET
from tests.fakes.signing import SlackSender
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import serve_http
from tests.integration.slack_harness import wait_until


def report_posts(slack_api: FakeSlackAPI) -> list[dict]:
    return [call.params for call in slack_api.calls_to("chat.postMessage") if "月次レポート" in call.params["text"]]


def test_a_report_requested_just_before_sigterm_is_delivered_after_the_restart(
    core: Core, slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": core.settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_ADMINS": ADMIN,
        "KIUN_WORKERS": "2",
    }
    first = serve_http(env, tmp_path / "first.log")
    try:
        first.wait_status("/healthz", 200)
        sender = SlackSender(f"{first.url}/slack/events", SIGNING_SECRET, slack_api.base_url)
        month = Month.of(core.local_now().date())
        ack = sender.command("/kiun", "admin report", user_id=ADMIN).json()
        assert ack["text"] == t("report.admin.coming", month=day_text(month.first, "month", "ja"))
        assert first.stop() == 0  # SIGTERM right after the ack
    finally:
        first.kill()
    assert "Traceback" not in first.log()
    with core.sessions() as session:
        [queued] = session.scalars(select(DeferredTask)).all()
    assert queued.name == "report" and queued.state in ("pending", "done")  # not yet run, or finished on the way out
    assert queued.key.startswith(f"report:{ADMIN}:")

    second = serve_http(env, tmp_path / "second.log")
    try:
        second.wait_status("/healthz", 200)
        wait_until(lambda: report_posts(slack_api), timeout=60)
        assert second.stop() == 0
    finally:
        second.kill()
    [post] = report_posts(slack_api)
    assert post["channel"] == f"D{ADMIN}" and day_text(month.first, "month", "ja") in post["text"]
    assert any(data.startswith(b'<!DOCTYPE html><html lang="ja">') for data in slack_api.uploads.values())
    with core.sessions() as session:
        assert session.scalar(select(DeferredTask.state)) == "done"
        assert session.scalar(select(OutboxMessage.state).where(OutboxMessage.key == queued.key)) == "sent"
