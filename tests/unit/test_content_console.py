"""The DX office's uploads on the console: ``/file PATH [word]``, the preview, and 公開 by its button number."""

from __future__ import annotations

from pathlib import Path

from bot.app.core import Core
from bot.content.tree import content_root
from bot.features.lessons.catalogue import catalogue
from tests.integration.test_content_slack import CITY_LESSON
from tests.unit.test_console_dialog import converse


def test_an_admin_sends_a_lesson_file_previews_and_publishes_it(core: Core, tmp_path: Path) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(CITY_LESSON, encoding="utf-8")
    converse(
        core,
        [
            ("/file", "ファイル PATH が見つかりません"),
            (f"/file {tmp_path / 'missing.md'}", "が見つかりません"),
            (f"/file {lesson} レッスン", "プレビュー: レッスン「why-dx-now」 第1版"),
            (None, "千曲市で今DXが必要な理由"),
            (None, "[1] 公開"),
            ("1", "レッスン「why-dx-now」の第1版を公開しました"),
        ],
        admin=True,
    )
    assert catalogue(content_root(core.engine)).get("why-dx-now").title == "千曲市で今DXが必要な理由"


def test_staff_cannot_upload_on_the_console_either(core: Core, tmp_path: Path) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(CITY_LESSON, encoding="utf-8")
    converse(core, [(f"/file {lesson}", "DX推進係（管理者）のみ")])
