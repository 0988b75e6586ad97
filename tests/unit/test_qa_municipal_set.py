"""The municipal development set is complete, and in it and in the check set every key phrase is in the document
it is credited to."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.common import japanese
from bot.features.qa.extract import extract
from tests.fixtures.municipal import CHECK, DATA, load, materialize


def _compact(text: str) -> str:
    return japanese.normalize(text).replace(" ", "")


def test_the_set_has_the_documents_and_questions_the_issue_asks_for(tmp_path: Path) -> None:
    dev = load()
    files = materialize(tmp_path)
    assert sorted(path.name for path in files) == sorted(dev.kinds)
    assert len(files) >= 12 and {path.suffix for path in files} >= {".pdf", ".docx", ".xlsx", ".html", ".md", ".txt"}
    styles = Counter(question.style for question in dev.questions)
    assert styles["lexical"] + styles["paraphrase"] >= 80 and styles["paraphrase"] >= 40
    assert styles["unanswerable"] >= 30


@pytest.mark.parametrize("folder", [DATA, CHECK], ids=["development", "check"])
def test_every_key_phrase_is_in_its_document(folder: Path, tmp_path: Path) -> None:
    questions = load(folder)
    files = materialize(tmp_path, folder)
    assert sorted(path.name for path in files) == sorted(questions.kinds)
    texts = {path.name: " ".join(p.text for p in extract(path.name, path.read_bytes()).parts) for path in files}
    for question in questions.questions:
        for doc in question.docs:
            for key in question.keys:
                assert _compact(key) in _compact(texts[doc].replace("\n", "")), (question.text, doc, key)


def test_built_pdfs_have_a_text_layer_with_page_numbers(tmp_path: Path) -> None:
    plan = next(path for path in materialize(tmp_path) if path.name == "dx-plan.pdf")
    parts = extract(plan.name, plan.read_bytes()).parts
    assert sorted({part.page for part in parts}) == [1, 2, 3, 4, 5]
    assert any(part.page == 4 and "DX基礎研修を年2回実施する。" in part.text for part in parts)
