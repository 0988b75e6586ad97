"""The lesson and quiz flow in ``kiun console``."""

from __future__ import annotations

from pathlib import Path

from bot.app.core import Core
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture
from tests.unit.test_console_dialog import converse


def test_console_lesson_quiz_progress_and_review_setting(core: Core, content: Path) -> None:
    output = converse(
        core,
        [
            ("/kiun lesson", "今週のDXミニレッスン（1/3）: レッスン1"),
            (None, "[2] B. 選択肢B"),
            ("1", "残念、正解は「選択肢B」です。"),
            (None, "解説 レッスン1の解説です。"),
            (None, "復習クイズをDMでお送りします"),
            ("/kiun lesson", "レッスン1"),
            ("2", "このクイズには回答済みです"),
            (None, "あなたの回答：「選択肢A」— 不正解"),
            ("/kiun lessons", "見たレッスン: 1本（配信済み 0本）"),
            (None, "正答率: 0%"),
            (None, "復習DM: オン（予定 1件）"),
            ("/kiun review off", "復習クイズのDMを止めました。"),
            ("/kiun lessons", "復習DM: オフ"),
        ],
    )
    assert "*" not in output and "`" not in output
