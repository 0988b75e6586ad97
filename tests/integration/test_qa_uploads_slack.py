"""Documents from chat over the real Bolt app and the Slack stand-in: an admin's file in a DM is accepted at once,
ingested on the deferred-work queue and reported by DM (through the outbox); versions; ``/kiun admin docs``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.chat.i18n import t
from bot.delivery.models import TaskState
from bot.features.qa.ingest import add_paths
from bot.models import ContentLog, ContentUpload, DeferredTask, QaDocument, QaDocumentVersion
from tests.conftest import ADMIN
from tests.fixtures import municipal
from tests.fixtures.qa_files import blank_pdf, text_pdf
from tests.integration.ideas_helpers import drain
from tests.integration.slack_harness import Kiun, wait_until

DM = f"D{ADMIN}"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The municipal development set's files (PDF, DOCX and XLSX built) by name."""
    return {path.name: path.read_bytes() for path in municipal.materialize(tmp_path_factory.mktemp("city"))}


def texts(payload: dict) -> str:
    blocks = payload.get("blocks") or []
    return payload["text"] + (blocks if isinstance(blocks, str) else json.dumps(blocks, ensure_ascii=False))


def posts(kiun: Kiun, channel: str = DM) -> list[dict]:
    return [call.params for call in kiun.slack_api.calls_to("chat.postMessage") if call.params["channel"] == channel]


def share_event(kiun: Kiun, name: str, data: bytes, user: str = ADMIN) -> dict:
    path = f"/files-pri/T1-{len(kiun.slack_api.files)}/{name}"
    kiun.slack_api.files[path] = data
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": "",
        "files": [{"name": name, "size": len(data), "url_private_download": f"{kiun.slack_api.base_url}{path}"}],
    }


def finished(kiun: Kiun) -> int:
    with kiun.core.sessions() as session:
        done = DeferredTask.state.in_([TaskState.DONE, TaskState.FAILED])
        return session.scalar(select(func.count()).where(DeferredTask.name == "docs-upload", done)) or 0


def upload(kiun: Kiun, sender, name: str, data: bytes, user: str = ADMIN) -> tuple[str, str | None]:
    """Send a file in the DM; the answer at once (its text) and, when the upload was queued, the report that
    follows (its text and blocks)."""
    seen, ran = len(posts(kiun, f"D{user}")), finished(kiun)
    sender.event(share_event(kiun, name, data, user))
    wait_until(lambda: len(posts(kiun, f"D{user}")) > seen, timeout=30)
    answer = posts(kiun, f"D{user}")[seen]["text"]
    if answer != t("docs.upload.accepted", name=name):
        return answer, None
    wait_until(lambda: finished(kiun) > ran, timeout=30)
    drain(kiun.core)
    return answer, texts(posts(kiun, f"D{user}")[seen + 1])


def rows(kiun: Kiun, model) -> list:
    with kiun.core.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def audit(kiun: Kiun) -> list[tuple[str, str, str, str, int | None]]:
    return [(e.user_id, e.action, e.kind, e.key, e.version) for e in rows(kiun, ContentLog)]


def nothing_stored(kiun: Kiun) -> bool:
    return not (rows(kiun, ContentUpload) or rows(kiun, QaDocument) or rows(kiun, QaDocumentVersion))


# -- each kind, reported -------------------------------------------------------------------------------------------

KINDS = [
    # file, title, sections, first section, passages, pages, date
    (
        "bcp.pdf",
        "架空市業務継続計画（概要版）",
        7,
        "2. 職員の参集 &gt; 2-1 参集基準",
        8,
        "3ページ",
        "2024年10月1日改定",
    ),
    (
        "chat-youryou.docx",
        "庁内チャット運用要領",
        7,
        "2. 利用のルール &gt; 2.1 チャンネルの作成",
        8,
        None,
        "2024年7月1日改定",
    ),
    ("fees.xlsx", "証明書等交付手数料一覧", 2, "施設使用料 &gt; 市民会館 使用料", 3, None, "2025年4月1日改定"),
    ("bunsho-kitei.html", "架空市文書管理規程", 10, "第2条（電子決裁の原則）", 11, None, "2024年4月1日施行"),
    ("genai-guideline.md", "架空市生成AI利用ガイドライン", 7, "第2 利用できるサービス", 8, None, "2025年4月1日改定"),
    ("telework-kitei.txt", "架空市職員テレワーク実施規程", 12, "第2条（定義）", 13, None, "2024年4月1日施行"),
]


@pytest.mark.parametrize(("name", "title", "sections", "first", "passages", "pages", "dated"), KINDS)
def test_each_kind_is_accepted_at_once_and_reported_by_dm(
    kiun, sender, city, name, title, sections, first, passages, pages, dated
):
    answer, report = upload(kiun, sender, name, city[name])
    assert answer == t("docs.upload.accepted", name=name)
    assert report is not None and t("docs.report.added", name=name, version=1) in report
    assert title in report and f"{sections}件（" in report and first in report and f"{passages}件" in report
    assert dated in report and t("docs.report.no_date") not in report
    assert (pages in report) if pages else t("docs.report.field.pages") not in report
    [document] = rows(kiun, QaDocument)
    [version] = rows(kiun, QaDocumentVersion)
    assert (document.source, document.title, document.chunk_count) == (f"slack/{name}", title, passages)
    assert (version.document_id, version.number, version.filename, version.added_by) == (document.id, 1, name, ADMIN)
    assert version.data == city[name] and version.pages == (3 if name.endswith(".pdf") else None)
    assert rows(kiun, ContentUpload) == []  # handled: the version keeps the file
    assert audit(kiun) == [(ADMIN, "add", "document", f"slack/{name}", 1)]


def test_a_document_without_a_date_or_headings_says_so(kiun, sender):
    _, report = upload(kiun, sender, "memo.txt", "公用車の予約について\n公用車は前日までに予約します。".encode())
    assert report is not None and t("docs.report.no_date") in report and t("docs.report.no_sections") in report


def test_pdf_pages_without_text_are_reported(kiun, sender):
    data = text_pdf(["Meeting papers go online by noon the day before", "", "Tablets can be borrowed"])
    _, report = upload(kiun, sender, "papers.pdf", data)
    assert report is not None and t("docs.report.empty_pages", pages="2") in report and "3ページ" in report


# -- refused, and nothing stored -----------------------------------------------------------------------------------


def test_a_scanned_pdf_is_reported_and_nothing_is_indexed(kiun, sender):
    answer, report = upload(kiun, sender, "scan.pdf", blank_pdf())
    assert answer == t("docs.upload.accepted", name="scan.pdf")
    assert report is not None and "「scan.pdf」は取り込めませんでした" in report and "スキャン画像のPDF" in report
    assert nothing_stored(kiun)
    [(user, action, kind, key, version)] = audit(kiun)
    assert (user, action, kind, key, version) == (ADMIN, "refuse", "document", "slack/scan.pdf", None)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.pdf", b"%PDF-1.4 broken", "ファイルが壊れているか、形式が正しくありません"),
        ("locked.pdf", blank_pdf(encrypt=True), "パスワードで保護（暗号化）されています"),
        ("blank.md", b"  \n\n ", "文字が含まれていません"),
    ],
)
def test_unreadable_files_are_reported_with_the_reason(kiun, sender, name, data, reason):
    _, report = upload(kiun, sender, name, data)
    assert report is not None and t("docs.report.failed", name=name, reason=reason).split("（理由")[0] in report
    assert reason in report and nothing_stored(kiun)
    assert [entry[1] for entry in audit(kiun)] == ["refuse"]


def test_wrong_type_over_size_and_empty_files_are_refused_at_once(kiun, sender):
    wrong, _ = upload(kiun, sender, "photo.png", b"\x89PNG....")
    assert wrong.startswith("photo.png: この形式のファイルは受け付けていません")  # told by the content feature
    large, _ = upload(kiun, sender, "plan.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    assert large == t("docs.upload.too_large", name="plan.pdf", size="21.0", limit=20) and "20MBまで" in large
    empty, _ = upload(kiun, sender, "empty.docx", b"")
    assert empty == t("docs.upload.empty", name="empty.docx")
    assert nothing_stored(kiun) and rows(kiun, DeferredTask) == []
    assert [(entry[1], entry[3]) for entry in audit(kiun)] == [
        ("refuse", "photo.png"),
        ("refuse", "slack/plan.pdf"),
        ("refuse", "slack/empty.docx"),
    ]


def test_a_file_from_staff_gets_a_polite_no_and_nothing_is_stored(kiun, sender):
    answer, report = upload(kiun, sender, "rules.md", "# 規程\n本文です。".encode(), user="U_STAFF")
    assert answer == t("content.upload.admin_only") and report is None
    assert nothing_stored(kiun) and audit(kiun) == [] and rows(kiun, DeferredTask) == []


# -- versions ------------------------------------------------------------------------------------------------------


def test_a_changed_file_is_version_2_and_the_same_file_again_changes_nothing(kiun, sender):
    first = "# 公用車の予約\n公用車は前日までに予約します。".encode()
    second = "# 公用車の予約\n公用車は3日前までに予約します。\n\n## 返却\n鍵は総務課へ返します。".encode()
    upload(kiun, sender, "car.md", first)
    _, updated = upload(kiun, sender, "car.md", second)
    assert updated is not None and t("docs.report.updated", name="car.md", title="公用車の予約", version=2) in updated
    _, same = upload(kiun, sender, "car.md", second)
    assert same is not None and same.startswith(t("docs.report.unchanged", name="car.md", version=2))
    [document] = rows(kiun, QaDocument)
    versions = rows(kiun, QaDocumentVersion)
    assert [(v.document_id, v.number, v.data, v.passages) for v in versions] == [
        (document.id, 1, first, 1),
        (document.id, 2, second, 2),
    ]
    assert [(entry[1], entry[4]) for entry in audit(kiun)] == [("add", 1), ("add", 2)]


def test_a_duplicate_slack_delivery_is_handled_once(kiun, sender):
    event = share_event(kiun, "car.md", "# 公用車\n公用車は前日までに予約します。".encode())
    sender.event(event, event_id="Ev-DUP-1")
    sender.event(event, event_id="Ev-DUP-1", retry_num=1)
    wait_until(lambda: finished(kiun) == 1, timeout=30)
    kiun.stop()  # every listener done
    drain(kiun.core)
    assert [p["text"] == t("docs.upload.accepted", name="car.md") for p in posts(kiun)] == [True, False]
    assert len(rows(kiun, QaDocumentVersion)) == 1 and len(rows(kiun, DeferredTask)) == 1
    assert len(kiun.slack_api.calls_to(f"GET {next(iter(kiun.slack_api.files))}")) == 1


# -- /kiun admin docs ----------------------------------------------------------------------------------------------


def admin_docs(sender, text: str, user: str = ADMIN) -> str:
    """The answer's text and blocks."""
    return texts(sender.command("/kiun", f"admin docs {text}".strip(), user_id=user).json())


def admin_answer(sender, text: str, user: str = ADMIN) -> str:
    """The answer's text alone (a one-line answer)."""
    return sender.command("/kiun", f"admin docs {text}".strip(), user_id=user).json()["text"]


def test_list_search_show_and_remove_with_the_audit_log(kiun, sender, city, tmp_path: Path):
    for name in ("telework-kitei.txt", "bcp.pdf"):
        (tmp_path / name).write_bytes(city[name])
    add_paths(kiun.core, [tmp_path / "telework-kitei.txt", tmp_path / "bcp.pdf"])
    upload(kiun, sender, "car.md", "# 公用車の予約\n公用車は前日までに予約します。".encode())
    upload(kiun, sender, "car.md", "# 公用車の予約\n公用車は3日前までに予約します。".encode())
    telework, bcp, car = rows(kiun, QaDocument)

    listed = admin_docs(sender, "")
    assert t("docs.admin.title", count=3, chunks=telework.chunk_count + bcp.chunk_count + 1) in listed
    assert listed.index("公用車の予約") < listed.index("架空市業務継続計画") < listed.index("架空市職員テレワーク")
    assert "`3` *公用車の予約* — MD・第2版" in listed and f"<@{ADMIN}>" in listed
    assert "`2` *架空市業務継続計画（概要版）* — PDF・第1版・2024年10月1日改定・抜粋8件・サーバー（CLI）" in listed
    assert admin_docs(sender, "list") == listed

    by_title = admin_docs(sender, "search テレワーク")
    assert (
        t("docs.admin.search_title", words="テレワーク", count=1) in by_title
        and "`1` *架空市職員テレワーク" in by_title
    )
    by_text = admin_docs(sender, "search 震度5強以上で参集")  # in the BCP's text, not its title
    assert "`2` *架空市業務継続計画（概要版）*" in by_text
    assert admin_answer(sender, "search zzzz qqqq") == t("docs.admin.search_none", words="zzzz qqqq")
    assert admin_answer(sender, "search") == t("docs.admin.search_usage")

    shown = admin_docs(sender, f"show {car.id}")
    assert t("docs.admin.show_title", id=car.id, title="公用車の予約") in shown and "登録名: `slack/car.md`" in shown
    assert shown.index("第2版 — ") < shown.index("第1版 — ") and f"<@{ADMIN}>・car.md（1 KB、抜粋1件）" in shown
    assert "第1版 — " in admin_docs(sender, f"show {bcp.id}") and "・3ページ" in admin_docs(sender, f"show {bcp.id}")

    confirm = sender.command("/kiun", f"admin docs remove {car.id}", user_id=ADMIN).json()
    assert t("docs.admin.remove_confirm", id=car.id, title="公用車の予約", versions=2) in texts(confirm)
    [yes, no] = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (yes["text"]["text"], no["text"]["text"]) == (t("docs.admin.remove_button"), t("docs.admin.keep_button"))
    sender.block_action(no["action_id"], no["value"], user_id=ADMIN)
    assert kiun.wait_responses(1)[0]["text"] == t("docs.admin.kept", id=car.id)
    sender.block_action(yes["action_id"], yes["value"], user_id="U_STAFF")
    assert kiun.wait_responses(2)[1]["text"] == t("error.not_admin")
    assert len(rows(kiun, QaDocument)) == 3
    sender.block_action(yes["action_id"], yes["value"], user_id=ADMIN)
    assert kiun.wait_responses(3)[2]["text"] == t("docs.admin.removed", id=car.id, title="公用車の予約")
    sender.block_action(yes["action_id"], yes["value"], user_id=ADMIN)
    assert kiun.wait_responses(4)[3]["text"] == t("docs.admin.gone", id=car.id)
    assert [d.id for d in rows(kiun, QaDocument)] == [telework.id, bcp.id]
    assert [v.document_id for v in rows(kiun, QaDocumentVersion)] == [telework.id, bcp.id]
    assert admin_answer(sender, f"show {car.id}") == t("docs.admin.bad_id", text=str(car.id), word="show")
    source = str((tmp_path / "telework-kitei.txt").resolve())
    assert audit(kiun) == [
        ("cli", "add", "document", source, 1),
        ("cli", "add", "document", str((tmp_path / "bcp.pdf").resolve()), 1),
        (ADMIN, "add", "document", "slack/car.md", 1),
        (ADMIN, "add", "document", "slack/car.md", 2),
        (ADMIN, "remove", "document", "slack/car.md", 2),
    ]


def test_unknown_words_and_bad_ids_get_the_valid_words(kiun, sender):
    valid = "`/kiun admin docs list|search|show|remove`"
    assert admin_answer(sender, "frobnicate 3") == t(
        "error.unknown_command", text="admin docs frobnicate 3", valid=valid
    )
    assert admin_answer(sender, "show") == t("docs.admin.id_usage", word="show")
    assert admin_answer(sender, "remove abc") == t("docs.admin.bad_id", text="abc", word="remove")
    assert admin_answer(sender, "show 99999999999") == t("docs.admin.bad_id", text="99999999999", word="show")
    assert admin_docs(sender, "").startswith(t("docs.admin.title", count=0, chunks=0))
    assert t("docs.admin.none") in admin_docs(sender, "")
    assert admin_answer(sender, "", user="U_STAFF").startswith(t("error.not_admin"))
