"""/ask, @mentions, DMs, thread follow-ups, 👍/👎 and document uploads through signed Slack requests."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.chat.i18n import t
from bot.common.paths import content_dir
from bot.features.qa import answer as qa
from bot.features.qa.ingest import add_paths
from bot.models import OutboxMessage, QaDocument, QaQuestion
from tests.conftest import ADMIN
from tests.integration.ideas_helpers import drain
from tests.integration.slack_harness import Kiun, wait_until

CHANNEL = "C_GENERAL"
MENTION_TS = "1700000100.000100"


def indexed(kiun: Kiun) -> None:
    add_paths(kiun.core, [content_dir() / "docs"])


def texts(payload: dict) -> str:
    return payload["text"] + json.dumps(payload.get("blocks", []), ensure_ascii=False)


def buttons(payload: dict) -> list[dict]:
    blocks = payload["blocks"] if isinstance(payload["blocks"], list) else json.loads(payload["blocks"])
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_ask_acks_at_once_then_answers_with_sources_and_rating_buttons(kiun, sender):
    indexed(kiun)
    response = sender.command("/ask", "会議資料はいつまでに共有フォルダへ掲載しますか")
    assert response.json()["text"] == t("ask.thinking")
    answer = kiun.wait_responses(1)[0]
    assert answer["response_type"] == "ephemeral"
    assert "前日正午" in texts(answer) and "出典" in texts(answer)
    assert [b["action_id"] for b in buttons(answer)] == ["qa_feedback", "qa_feedback.1"]  # unique in the block


def test_ask_without_a_question_explains_how(kiun, sender):
    sender.command("/ask", "")
    assert kiun.wait_responses(1)[0]["text"] == t("ask.usage")


def test_personal_data_in_ask_is_blocked_with_the_reason(kiun, sender):
    indexed(kiun)
    sender.command("/ask", "taro@example.jp の件は生成AIで要約できますか")
    answer = kiun.wait_responses(1)[0]
    assert "メールアドレス" in answer["text"] and "送信せずに止めました" in answer["text"]
    with kiun.core.sessions() as session:
        assert session.scalars(select(QaQuestion.question)).one() == "[メールアドレス] の件は生成AIで要約できますか"


def test_mention_is_answered_in_thread_and_follow_ups_need_no_mention(kiun, sender):
    indexed(kiun)
    event = {"type": "app_mention", "user": "U_STAFF", "channel": CHANNEL, "ts": MENTION_TS}
    sender.event(event | {"text": "<@UBOT> テレワーク用端末の貸出はどこが行いますか"})
    [post] = [c.params for c in kiun.slack_api.wait_for("chat.postMessage")]
    assert post["channel"] == CHANNEL and post["thread_ts"] == MENTION_TS and "情報政策課" in texts(post)
    reply = {"type": "message", "channel_type": "channel", "channel": CHANNEL, "user": "U_STAFF"}
    sender.event(reply | {"text": "自宅のパソコンは？", "thread_ts": MENTION_TS, "ts": "1700000100.000200"})
    sender.event(reply | {"text": "関係ない話", "thread_ts": "1700000999.000001", "ts": "1700000100.000300"})
    kiun.server.stop()  # waits for every listener
    posts = [c.params for c in kiun.slack_api.calls_to("chat.postMessage")]
    assert len(posts) == 2 and posts[1]["thread_ts"] == MENTION_TS
    faq = "[1] テレワークとビジネスチャットのよくある質問 — テレワーク &gt; 自宅のパソコンを使ってもよいですか？"
    assert faq in texts(posts[1])
    with kiun.core.sessions() as session:
        rows = session.execute(select(QaQuestion.thread_ref, QaQuestion.question)).all()
    assert rows == [
        (MENTION_TS, "テレワーク用端末の貸出はどこが行いますか"),
        (MENTION_TS, "自宅のパソコンは?"),  # stored NFKC-normalised
    ]


def test_dm_question_and_greeting(kiun, sender):
    indexed(kiun)
    dm = {"type": "message", "channel_type": "im", "channel": "D_STAFF", "user": "U_STAFF"}
    sender.event(dm | {"text": "こんにちは！"})
    sender.event(dm | {"text": "生成AIの出力をそのまま市民に送ってもよいですか"})
    kiun.server.stop()
    first, second = [c.params for c in kiun.slack_api.calls_to("chat.postMessage")]
    assert first["text"] == t("message.hint")
    assert second["channel"] == "D_STAFF" and "そのまま市民に送ったり" in texts(second)


def test_thumbs_down_is_recorded_and_listed_as_a_gap(kiun, sender):
    indexed(kiun)
    sender.command("/ask", "会議資料はいつまでに共有フォルダへ掲載しますか")
    down = buttons(kiun.wait_responses(1)[0])[1]
    sender.block_action(down["action_id"], down["value"])
    assert kiun.wait_responses(2)[1]["text"] == t("ask.feedback.thanks_down")
    assert [gap.reason for gap in qa.gaps(kiun.core)] == ["unhelpful"]
    sender.block_action("qa_feedback_up", "not-a-number")
    assert kiun.wait_responses(3)[2]["text"] == t("error.unknown_action")


def test_admin_docs_lists_the_documents_and_how_to_add_them(kiun, sender):
    indexed(kiun)
    body = texts(sender.command("/kiun", "admin docs", user_id=ADMIN).json())
    assert t("docs.admin.title", count=5, chunks=36) in body and "DMにファイル" in body
    assert "みなと川市 DX推進計画（抜粋）" in body and "サーバー（CLI）" in body
    assert sender.command("/kiun", "admin docs").json()["text"].startswith(t("error.not_admin"))


def file_share(kiun: Kiun, user: str, name: str, path: str) -> dict:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": "",
        "files": [{"name": name, "size": 100, "url_private_download": f"{kiun.slack_api.base_url}{path}"}],
    }


def test_admin_uploads_a_document_in_a_dm(kiun, sender):
    kiun.slack_api.files["/files-pri/T1-F1/car.md"] = "# 公用車\n公用車は前日までに予約します。".encode()
    sender.event(file_share(kiun, ADMIN, "car.md", "/files-pri/T1-F1/car.md"))
    [post] = [c.params for c in kiun.slack_api.wait_for("chat.postMessage")]
    assert post["text"] == t("docs.upload.accepted", name="car.md")
    [download] = kiun.slack_api.calls_to("GET /files-pri/T1-F1/car.md")
    assert download.headers["Authorization"] == "Bearer xoxb-test"
    wait_until(lambda: outbox_keys(kiun), timeout=30)  # the report, queued by the deferred task
    drain(kiun.core)
    report = kiun.slack_api.wait_for("chat.postMessage", 2)[1].params
    assert report["channel"] == f"D{ADMIN}" and report["text"] == t("docs.report.added", name="car.md", version=1)
    with kiun.core.sessions() as session:
        assert session.scalars(select(QaDocument.source)).all() == ["slack/car.md"]


def outbox_keys(kiun: Kiun) -> list[str]:
    with kiun.core.sessions() as session:
        return list(session.scalars(select(OutboxMessage.key)))


def test_uploads_from_staff_or_other_hosts_are_not_taken(kiun, sender):
    kiun.slack_api.files["/files-pri/T1-F2/memo.md"] = "# メモ\n本文です。".encode()
    sender.event(file_share(kiun, "U_STAFF", "memo.md", "/files-pri/T1-F2/memo.md"))
    evil = file_share(kiun, ADMIN, "evil.md", "/x") | {"event_ts": "2"}
    evil["files"][0]["url_private_download"] = "https://attacker.example/steal"
    sender.event(evil)
    broken = file_share(kiun, ADMIN, "scan.pdf", "/files-pri/T1-F3/scan.pdf")
    kiun.slack_api.files["/files-pri/T1-F3/scan.pdf"] = b"%PDF-1.4 broken"
    sender.event(broken)
    wait_until(lambda: outbox_keys(kiun), timeout=30)  # the broken PDF's report
    kiun.server.stop()
    drain(kiun.core)
    posts = {c.params["channel"] + ":" + c.params["text"] for c in kiun.slack_api.calls_to("chat.postMessage")}
    assert "DU_STAFF:" + t("content.upload.admin_only") in posts
    assert any("evil.md" in p and "not a Slack file URL" in p for p in posts)
    assert any("scan.pdf" in p and "壊れているか" in p for p in posts)
    with kiun.core.sessions() as session:
        assert session.scalars(select(QaDocument)).all() == []
