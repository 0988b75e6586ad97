"""Documents from chat where deferred work runs at once (the console), and the versions every ingestion keeps."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.request import Request
from bot.content import store
from bot.db.session import transaction
from bot.features import build_router
from bot.features.qa.ingest import add_paths, remove
from bot.features.qa.uploads import accept
from bot.models import ContentLog, ContentUpload, DeferredTask, QaDocument, QaDocumentVersion
from bot.platforms.console.render import render_reply
from tests.addresses import as_user
from tests.conftest import ADMIN

GUIDE = (
    "# 公用車の予約\n令和7年4月1日から施行する。\n"
    "## 予約\n公用車は前日までに予約します。\n## 返却\n鍵は総務課へ返します。\n"
)


def admin_request(**fields) -> Request:
    return Request(as_user(ADMIN), is_admin=True, **fields)


def test_on_the_console_the_report_comes_in_place_of_the_acknowledgement(core: Core, tmp_path: Path) -> None:
    core.deferred_at_once = True
    path = tmp_path / "car.md"
    path.write_text(GUIDE, encoding="utf-8")
    reply = build_router().dispatch(core, admin_request(values={"file:car.md": str(path)}))
    shown, _ = render_reply(reply, "ja")
    assert reply.text == t("docs.report.added", name="car.md", version=1)
    assert "タイトル: 公用車の予約" in shown and "見出し: 2件（予約、返却）" in shown and "抜粋: 3件" in shown
    assert "文書の日付: 2025年4月1日施行" in shown and "ページ" not in shown
    with core.sessions() as session:
        assert session.scalar(select(DeferredTask.state)) == "done"
        assert session.scalars(select(ContentUpload)).all() == []


def test_accept_refuses_a_person_who_is_not_an_admin_and_drops_the_upload(core: Core) -> None:
    data = GUIDE.encode()
    with transaction(core.sessions) as session:
        upload = store.save_upload(session, "U_STAFF", "console", "car.md", data, hashlib.sha256(data).hexdigest())
    reply = accept(core, Request(as_user("U_STAFF")), upload)
    assert reply.text == t("docs.upload_admin_only")
    with core.sessions() as session:
        assert session.scalars(select(ContentUpload)).all() == [] and session.scalars(select(DeferredTask)).all() == []


def test_cli_additions_keep_versions_with_the_file_and_the_document_keeps_its_id(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "memo.md"
    path.write_text("# 連絡\nチャットは当日中に返信します。", encoding="utf-8")
    [first] = add_paths(core, [path])
    path.write_text("# 連絡\nチャットは翌開庁日までに返信します。", encoding="utf-8")
    [second] = add_paths(core, [path])
    [third] = add_paths(core, [path])
    assert (first.version, second.version, third.version) == (1, 2, 2) and third.status == "unchanged"
    assert first.document_id == second.document_id == third.document_id
    with core.sessions() as session:
        versions = session.scalars(select(QaDocumentVersion).order_by(QaDocumentVersion.number)).all()
    assert [(v.number, v.filename, v.added_by, v.data) for v in versions] == [
        (1, "memo.md", "cli", "# 連絡\nチャットは当日中に返信します。".encode()),
        (2, "memo.md", "cli", path.read_bytes()),
    ]
    assert remove(core, first.document_id) is not None
    with core.sessions() as session:
        assert session.scalars(select(QaDocumentVersion)).all() == [] and session.get(QaDocument, 1) is None
        log = [(e.user_id, e.action, e.version) for e in session.scalars(select(ContentLog).order_by(ContentLog.id))]
    assert log == [("cli", "add", 1), ("cli", "add", 2), ("cli", "remove", 2)]
