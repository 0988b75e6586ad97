"""The weekly idea digest (a scheduled job) and the CSV export (CLI and /kiun admin), on a real database."""

from __future__ import annotations

import csv
import io
from contextlib import nullcontext
from datetime import datetime
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.chat.reply import Reply
from bot.cli import main
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.scheduling.registry import registry
from bot.scheduling.scheduler import next_run, run_occurrence, sync_schedules
from tests.addresses import as_channel
from tests.conftest import ADMIN
from tests.integration.ideas_helpers import drain, outbox_rows

TOKYO = ZoneInfo("Asia/Tokyo")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def seed(core, frozen: bool = True) -> None:
    """Two weeks of ideas: #1 last week, #2–#3 this week; #1 adopted this week; votes for #1 and #3.
    ``frozen=False`` makes them all now, for a test that runs wholly in real time against a live server."""
    at = freeze_time if frozen else lambda _when: nullcontext()
    with at("2026-06-01T01:00:00Z"):  # Monday of the week before
        store.create_idea(
            core, "U_A", IdeaFields(title="会議資料のペーパーレス化", proposal="タブレットで配布します。")
        )
    with at("2026-06-09T01:00:00Z"):
        fields = IdeaFields(title="窓口の予約をオンラインに", proposal="予約システムを使います。", anonymous=True)
        store.create_idea(core, "U_B", fields)
        store.create_idea(core, "U_C", IdeaFields(title="議事録を生成AIで下書き", proposal="録音から作ります。"))
        store.change_status(core, 1, ADMIN, "adopted", "来月から試行します。")
        for voter in ("U_X", "U_Y"):
            store.vote(core, 1, voter)
        store.vote(core, 3, "U_X")


def test_digest_is_scheduled_friday_16_on_business_days(core) -> None:
    sync_schedules(core)
    spec = registry()["idea-digest"]
    assert (spec.cron, spec.business_days_only) == ("0 16 * * 5", True)
    assert next_run(core, "idea-digest", local("2026-12-14T09:00")) == local("2026-12-18T16:00")
    # Friday 2027-01-01 is in the year-end closure: the digest moves to the next business day at the same time.
    assert next_run(core, "idea-digest", local("2026-12-26T00:00")) == local("2027-01-04T16:00")


@freeze_time("2026-06-12T07:00:00Z")  # Friday 16:00 in Tokyo, when the digest runs
def test_digest_lists_new_changed_and_top_voted_once_per_occurrence(core, slack_api) -> None:
    seed(core)
    sync_schedules(core)
    occurrence = local("2026-06-12T16:00")
    assert run_occurrence(core, "idea-digest", occurrence) == "done"
    registry()["idea-digest"].func(core, occurrence, {})  # a re-run enqueues nothing new
    [row] = outbox_rows(core, "idea-digest:")
    assert (row.key, row.address) == ("idea-digest:2026-06-12:C_IDEAS", as_channel("C_IDEAS"))
    reply = Reply.model_validate(row.payload)
    text = "\n".join(section.text for section in reply.sections)
    assert reply.text == "今週の業務改善アイデア（06/05〜06/12）"
    assert "新しい提案 2件、ステータスが変わった提案 1件です（これまでの提案は合計 3件です）。" in text
    new = text.split("**新しい提案**")[1].split("**")[0]
    assert "#2 窓口の予約をオンラインに" in new and "#3 議事録を生成AIで下書き" in new and "#1" not in new
    assert "• #1 会議資料のペーパーレス化（採用・👍 2）" in text.split("**ステータスが変わった提案**")[1]
    top = text.split("**投票の多い提案**")[1]
    assert top.index("#1 ") < top.index("#3 ") and "#2" not in top
    drain(core)
    [posted] = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params["text"] == reply.text]
    assert posted["channel"] == "C_IDEAS"


@freeze_time("2026-06-12T07:00:00Z")
def test_quiet_week_still_invites_ideas(core) -> None:
    sync_schedules(core)
    assert run_occurrence(core, "idea-digest", local("2026-06-12T16:00")) == "done"
    text = "\n".join(s.text for s in Reply.model_validate(outbox_rows(core, "idea-digest:")[0].payload).sections)
    assert "今週は新しい提案がありませんでした" in text and "/idea" in text


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@freeze_time("2026-06-10T01:00:00Z")
def test_cli_export_writes_utf8_with_bom_and_hides_anonymous_proposers(core, settings, tmp_path, monkeypatch, capsys):
    seed(core)
    store.create_idea(core, "U_D", IdeaFields(title='=HYPERLINK("http://x")', proposal="複数行の\n改善案です。"))
    for name, value in {"DATABASE_URL": settings.database_url, "KIUN_IDEAS_CHANNEL": "C_IDEAS"}.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "ideas.csv"
    assert main(["ideas", "export", "--out", str(out)]) == 0
    assert "4 ideas written" in capsys.readouterr().err
    rows = read_csv(out.read_bytes())
    assert list(rows[0])[:4] == ["番号", "件名", "現状の課題", "改善案"]
    first, anonymous, _, formula = rows
    assert (first["件名"], first["提案者"], first["匿名"], first["ステータス"]) == (
        "会議資料のペーパーレス化",
        "U_A",
        "いいえ",
        "採用",
    )
    assert (first["投票数"], first["コメント数"]) == ("2", "0")
    assert "受付→採用 (来月から試行します。)" in first["ステータス履歴"] and first["提案日時"] == "2026-06-01 10:00"
    assert (anonymous["匿名"], anonymous["提案者"]) == ("はい", "")
    assert "U_B" not in out.read_bytes().decode("utf-8-sig")
    assert formula["件名"] == '\'=HYPERLINK("http://x")' and formula["改善案"] == "複数行の\n改善案です。"
    assert main(["ideas", "export"]) == 0  # to standard output
    assert read_csv(capsys.readouterr().out.encode("utf-8"))[0]["件名"] == "会議資料のペーパーレス化"


def test_admin_export_uploads_the_csv_to_the_admins_dm(kiun, sender) -> None:
    seed(kiun.core, frozen=False)
    response = sender.command("/kiun", "admin ideas export", user_id=ADMIN)
    assert response.json()["text"] == "ファイルをダイレクトメッセージでお送りします。"
    kiun.slack_api.wait_for("files.completeUploadExternal")
    post = kiun.slack_api.calls_to("chat.postMessage")[0].params
    assert post["channel"] == f"D{ADMIN}" and post["text"].startswith("提案 3件をCSV")
    [data] = kiun.slack_api.uploads.values()
    assert [row["件名"] for row in read_csv(data)] == [
        "会議資料のペーパーレス化",
        "窓口の予約をオンラインに",
        "議事録を生成AIで下書き",
    ]
    denied = sender.command("/kiun", "admin ideas export", user_id="U_STAFF")
    assert denied.json()["text"].startswith("この操作はDX推進係")
    assert len(kiun.slack_api.uploads) == 1
