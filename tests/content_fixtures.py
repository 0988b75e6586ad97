"""Small content folders for tests (lessons, curriculum, facts, data), written into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

LESSON = """---
id: {id}
title: {title}
tags: [テスト]
level: 1
minutes: 3
quiz:
  question: {title}の問いです。正しいものはどれでしょう。
  choices:
    - 選択肢A
    - 選択肢B
    - 選択肢C
  answer: 選択肢B
  explanation: {title}の解説です。
sources:
  - name: テスト出典
    url: https://example.org/
---
{title}の本文です。
"""

FACT = """id: {id}
text: {text}
value: 17
unit: "%"
year: 2035
source:
  name: テスト出典 (2024)
chart:
  type: line
  title: 人口の見込み（指数）
  data: projection.csv
  x: year
  series:
    総人口: total
"""

TABLE = """# source: テスト出典 (2024)
# note: 例示用の指数です
year,total
2020,100
2035,83
"""


def write_content(root: Path, lesson_ids: list[str], fact_ids: list[str] = ()) -> Path:
    """A content folder with the given lessons (in curriculum order) and facts; returns ``root``."""
    (root / "lessons").mkdir(parents=True, exist_ok=True)
    (root / "facts").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    for number, lesson_id in enumerate(lesson_ids, start=1):
        text = LESSON.format(id=lesson_id, title=f"レッスン{number}")
        (root / "lessons" / f"{number:02d}-{lesson_id}.md").write_text(text, encoding="utf-8")
    order = "".join(f"  - {lesson_id}\n" for lesson_id in lesson_ids)
    (root / "lessons" / "curriculum.yml").write_text(f"order:\n{order}", encoding="utf-8")
    for number, fact_id in enumerate(fact_ids, start=1):
        text = FACT.format(id=fact_id, text=f"データ{number}の説明です。")
        (root / "facts" / f"{number:02d}-{fact_id}.yml").write_text(text, encoding="utf-8")
    (root / "data" / "projection.csv").write_text(TABLE, encoding="utf-8")
    return root


@pytest.fixture(name="content")
def content_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder with three lessons and two facts, used through KIUN_CONTENT_DIR."""
    root = write_content(tmp_path / "content", ["first", "second", "third"], ["fact-one", "fact-two"])
    monkeypatch.setenv("KIUN_CONTENT_DIR", str(root))
    return root
