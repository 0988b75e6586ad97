"""The App Home and the report as people reach them: ``kiun report``, ``/kiun admin report`` (console and Slack),
the Home's buttons (ask, lesson, report), and the Home refresh after a person's poll answer or idea change."""

from __future__ import annotations

import io
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.request import Request
from bot.cli import main
from bot.common.text import day_text
from bot.db.session import transaction
from bot.features import build_router
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.features.report.month import Month
from bot.features.report.report import build_report
from bot.models import OutboxMessage, QaQuestion
from bot.platforms.console import run_console
from tests.addresses import as_user
from tests.conftest import ADMIN, make_settings
from tests.integration.ideas_helpers import drain
from tests.integration.slack_harness import wait_until
from tests.polls_support import open_for

NOW = "2026-11-27T03:00:00Z"


def outbox(core: Core, prefix: str) -> list[OutboxMessage]:
    with core.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix))))


def console(core: Core, lines: list[str], user: str = ADMIN, admin: bool = True) -> str:
    out = io.StringIO()
    run_console(core, build_router(), user, admin, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return out.getvalue()


def home_texts(params: dict) -> str:
    view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
    return json.dumps(view["blocks"], ensure_ascii=False)


# -- kiun report ------------------------------------------------------------------------------------------------


def test_cli_writes_the_months_report(core, settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = tmp_path / "report.html"
    with freeze_time("2026-11-10T01:00:00Z") as clock:
        store.create_idea(core, "U_A", IdeaFields(title="窓口の予約をオンラインに", proposal="予約システムを使う"))
        clock.move_to(NOW)
        assert main(["report", "--month", "2026-11", "--out", str(out)]) == 0
    assert "2026年11月 report written to" in capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    assert "DX機運 月次レポート 2026年11月" in html and 'data-figure="ideas_received">1件<' in html


def test_cli_refuses_a_month_it_cannot_read(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["report", "--month", "2026/11"])
    assert exited.value.code == 2
    assert "write YYYY-MM, e.g. 2026-11" in capsys.readouterr().err


def test_an_empty_month_still_makes_a_readable_report(core):
    with freeze_time(NOW):
        report = build_report(core, Month(2026, 11))
    html = report.html.decode("utf-8")
    assert html.count(t("report.empty")) >= 5 and "<img" not in html and report.chart is None
    assert 'data-figure="momentum">—<' in html and 'data-figure="active_staff">0人<' in html


def test_what_people_typed_is_escaped_in_the_report(core):
    with freeze_time("2026-11-10T01:00:00Z"):
        idea, _ = store.create_idea(core, "U_A", IdeaFields(title="<script>alert(1)</script> & <!channel>"))
        store.change_status(core, idea.id, ADMIN, "adopted", "")
        report = build_report(core, Month(2026, 11))
    html = report.html.decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in html


# -- /kiun admin report -------------------------------------------------------------------------------------------


def test_console_admin_report_answers_with_the_summary_chart_and_file(core):
    with freeze_time(NOW):
        store.create_idea(core, "U_A", IdeaFields(title="議事録を生成AIで下書き", proposal="録音から作る"))
        output = console(core, ["/kiun admin report", "/kiun admin report 2026-13", "/kiun admin report 2027-01"])
    assert "2026年11月の月次レポート" in output and "kiun-report-2026-11.html" in output
    assert "提案（受付／採用／実施）: 1件／0件／0件" in output
    assert "「2026-13」は月として読めませんでした。/kiun admin report 2026-11 のように" in output
    assert t("report.admin.future", month="2027年1月") in output


def test_only_admins_get_the_report(core):
    router = build_router()
    for request in (
        Request(as_user("U_STAFF"), kind="command", command="kiun", text="admin report"),
        Request(as_user("U_STAFF"), kind="action", action_id="home_report", value="2026-11"),
    ):
        assert router.dispatch(core, request).text == t("error.not_admin")


def test_slack_admin_report_comes_by_dm_with_chart_and_html(kiun, sender):
    """In real time (a live server): this month's report, whatever the date."""
    store.create_idea(kiun.core, "U_A", IdeaFields(title="会議資料のペーパーレス化", proposal="タブレットで"))
    month = Month.of(kiun.core.local_now().date())
    ack = sender.command("/kiun", f"admin report {month.key()}", user_id=ADMIN).json()
    assert ack["text"] == t("report.admin.coming", month=day_text(month.first, "month"))
    wait_until(lambda: outbox(kiun.core, f"report:{ADMIN}:"), timeout=30)
    drain(kiun.core)
    [post] = [
        call.params for call in kiun.slack_api.calls_to("chat.postMessage") if "月次レポート" in call.params["text"]
    ]
    assert post["channel"] == f"D{ADMIN}" and "1件／0件／0件" in json.dumps(post["blocks"], ensure_ascii=False)
    uploads = list(kiun.slack_api.uploads.values())
    assert len(uploads) == 2 and uploads[0].startswith(b"\x89PNG")  # no poll closed yet: the funnel chart
    assert uploads[1].startswith(b'<!DOCTYPE html><html lang="ja">')


# -- the Home's buttons ---------------------------------------------------------------------------------------------


def test_asking_from_the_home_on_the_console_answers_at_once(core):
    output = console(core, ["/home", "2", "生成AIに個人情報を入力してもよいですか", ""], user="U_STAFF", admin=False)
    assert t("home.ask.title") in output
    assert t("home.ask.coming") not in output  # the console answers in place
    with core.sessions() as session:
        [asked] = session.scalars(select(QaQuestion)).all()
    assert asked.question == "生成AIに個人情報を入力してもよいですか" and asked.user_id == "U_STAFF"


def test_asking_from_the_home_on_slack_answers_by_dm(kiun, sender):
    sender.block_action("home_ask", "ask", user_id="U_STAFF", channel_id="")
    [opened] = kiun.slack_api.wait_for("views.open")
    view = opened.params["view"] if isinstance(opened.params["view"], dict) else json.loads(opened.params["view"])
    assert view["callback_id"] == "home_ask"
    empty = {"question": {"question": {"type": "plain_text_input", "value": "  "}}}
    assert sender.view_submission("home_ask", empty, user_id="U_STAFF").json() == {
        "response_action": "errors",
        "errors": {"question": t("error.required")},
    }
    asked = {"question": {"question": {"type": "plain_text_input", "value": "テレワークの申請方法は？"}}}
    sender.view_submission("home_ask", asked, user_id="U_STAFF")
    wait_until(lambda: outbox(kiun.core, "home-ask:U_STAFF:"), timeout=30)
    [row] = outbox(kiun.core, "home-ask:U_STAFF:")
    assert row.address == as_user("U_STAFF", "slack") and row.payload["text"]
    kiun.server.stop()  # the modal's own answer ("answer comes by DM") was posted after the ack
    texts = [call.params["text"] for call in kiun.slack_api.calls_to("chat.postMessage")]
    assert t("home.ask.coming") in texts


def test_the_lesson_button_shows_the_lesson(core):
    reply = build_router().dispatch(
        core, Request(as_user("U_STAFF"), kind="action", action_id="home_lesson", value="why-dx-now")
    )
    assert "なぜ今DXなのか" in reply.text and reply.buttons()[0].action_id.startswith("quiz_answer")


def test_a_home_part_that_cannot_run_is_left_out(database_url, slack_api, core):
    without_key = Core.create(make_settings(database_url, slack_api.api_url, KIUN_SECRET_KEY=""))
    try:
        reply = build_router().dispatch(without_key, Request(as_user("U_STAFF"), kind="command", command="home"))
    finally:
        without_key.close()
    text = "\n".join(section.text for section in reply.sections)
    assert t("home.polls.heading") not in text and t("home.ideas.heading") in text


# -- refreshing the Home ----------------------------------------------------------------------------------------------


def test_answering_a_poll_republishes_the_home(kiun, sender):
    run = open_for(kiun.core, ["U0001", "U0002"])
    sender.block_action("poll_answer", f"{run.id}:relevance:4", user_id="U0001", channel_id="DU0001")
    [publish] = kiun.slack_api.wait_for("views.publish")
    assert publish.params["user_id"] == "U0001"
    assert "回答済み 1/6問" in home_texts(publish.params)


def test_an_idea_moving_on_republishes_its_proposers_home(kiun):
    idea, _ = store.create_idea(kiun.core, "U_PROPOSER", IdeaFields(title="押印の廃止", proposal="電子決裁に"))
    kiun.slack_api.wait_for("views.publish")
    store.change_status(kiun.core, idea.id, ADMIN, "adopted", "")
    publishes = kiun.slack_api.wait_for("views.publish", count=2)
    assert [call.params["user_id"] for call in publishes] == ["U_PROPOSER", "U_PROPOSER"]
    assert "押印の廃止 — *採用*" in home_texts(publishes[-1].params)


def test_the_home_changes_only_after_the_commit(core):
    seen: list[str] = []
    core.on_home_changed.append(seen.append)
    with pytest.raises(RuntimeError), transaction(core.sessions) as session:
        core.home_changed("U_A", session)
        raise RuntimeError("rolled back")
    assert seen == []
    with transaction(core.sessions) as session:
        core.home_changed("U_B", session)
        core.home_changed("U_B", session)
        assert seen == []
    assert seen == ["U_B"]
