"""The synonym list (content/qa/synonyms.yml): checked by `kiun content check`, applied to questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.common.paths import bundled
from bot.features.qa import quote, synonyms
from bot.features.qa.index import Hit


def write(root: Path, text: str) -> Path:
    path = root / "qa" / "synonyms.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_list_is_valid_and_sizeable() -> None:
    assert synonyms.check_synonyms(bundled("content")) == []
    assert len(synonyms.groups(synonyms.synonyms_path(bundled("content")))) >= 50


def test_problems_are_named_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "groups:\n  - [テレワーク, 在宅勤務]\n  - [押印]\n")
    [problem] = [str(p) for p in synonyms.check_synonyms(tmp_path)]
    assert problem.startswith(f"{path}:3:") and "at least 2" in problem  # a group of one word
    write(tmp_path, "groups:\n  - [テレワーク, 在宅勤務]\n  - [押印, ハンコ]\n  - [ハンコ, 在宅勤務]\n")
    [problem] = [str(p) for p in synonyms.check_synonyms(tmp_path)]
    assert problem.startswith(f"{path}:4:") and "already in group 2" in problem
    assert main(["content", "check", "--dir", str(tmp_path)]) == 1
    assert "synonyms.yml:4:" in capsys.readouterr().out
    assert synonyms.groups(path) == ()  # a broken list is not used


def test_a_question_matches_the_documents_words(tmp_path: Path) -> None:
    path = write(tmp_path, "groups:\n  - [テレワーク, 在宅勤務]\n  - [公衆無線LAN, フリーWi-Fi]\n")
    found = synonyms.matches("在宅勤務中にカフェのフリーＷｉ－Ｆｉにつないでもいいですか", path)
    assert [(m.word, m.others) for m in found] == [("在宅勤務", ("テレワーク",)), ("フリーwi-fi", ("公衆無線lan",))]
    assert synonyms.expand("在宅勤務は？", found) == "在宅勤務は？\nテレワーク、公衆無線lan"
    assert synonyms.augment("テレワークは週2日まで", found) == "テレワークは週2日まで\n在宅勤務"


def test_the_quoted_sentence_counts_synonyms_as_the_questions_words() -> None:
    rule = Hit(1, 1.0, "rule.txt", "規程", "第8条", None, "一　公衆無線LANに接続しないこと。\n二　画面を見せないこと。")
    [best] = quote.choose("在宅勤務中にカフェのフリーWi-Fiにつないでもいいですか", [rule], 1)  # the bundled list
    assert best.sentence == "一　公衆無線LANに接続しないこと。"


def test_a_citys_content_folder_without_a_list_uses_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIUN_CONTENT_DIR", str(tmp_path))
    assert synonyms.synonyms_path() == synonyms.synonyms_path(bundled("content"))
    own = write(tmp_path, "groups:\n  - [テレワーク, 在宅勤務]\n")
    assert synonyms.synonyms_path() == own and len(synonyms.groups()) == 1
