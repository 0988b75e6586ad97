"""Each kind of city document is ingested with its structure and answered from, on SQLite and PostgreSQL:
the municipal development set (tests/fixtures/municipal.py) through kiun's real ingestion and answerer."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.markup import plain
from bot.features.qa import answer as qa
from bot.features.qa.ingest import add_bytes, add_paths
from bot.models import QaChunk, QaDocument
from tests.fixtures.municipal import materialize
from tests.fixtures.qa_files import blank_pdf


@pytest.fixture
def city(core: Core, tmp_path: Path) -> Core:
    outcomes = add_paths(core, materialize(tmp_path / "docs"))
    assert {o.status for o in outcomes} == {"added"}
    return core


@pytest.mark.parametrize(
    ("question", "doc", "quoted"),
    [
        ("介護をしている職員はテレワークを週何日までできますか", "telework-kitei.txt", "週4日まで実施できる"),
        ("DX研修は年に何回ありますか", "dx-plan.pdf", "DX基礎研修を年2回実施する"),
        ("住民票の写しの手数料はいくらですか", "fees.xlsx", "住民票の写し / 手数料: 300円"),
        ("出張先で公共Wi-Fiを使ってもよいですか", "ict-faq.html", "公共Wi-Fiへの接続は禁止しています"),
        ("新しい電子申請フォームは審査に何日かかりますか", "denshi-shinsei-manual.txt", "審査には3営業日かかる"),
        ("省エネ家電補助は先着何件までですか", "", "先着400件"),
        ("課内で作る文書にハンコはいりますか", "bunsho-kitei.html", "押印を要しない"),  # a synonym
        ("事業所に生ごみ処理機を入れる場合、補助の上限は？", "namagomi-youryou.docx", "補助上限額: 200万円"),
        ("LED照明の補助は最大いくらまで出ますか", "shoene-hojo.md", "上限1万円"),
    ],
)
def test_each_kind_of_document_answers_with_the_line_that_answers(
    city: Core, question: str, doc: str, quoted: str
) -> None:
    answer = qa.ask(city, question, "U1", quota=False)
    assert answer.mode == "extractive" and answer.answered
    assert not doc or Path(answer.citations[0].doc).name == doc
    assert quoted in plain(answer.text)


@pytest.mark.parametrize("question", ["職員駐車場の月額料金はいくらですか", "選挙の期日前投票はどこでできますか"])
def test_a_question_the_documents_do_not_answer_is_refused(city: Core, question: str) -> None:
    answer = qa.ask(city, question, "U1", quota=False)
    assert answer.mode == "refused" and not answer.answered and answer.confidence < qa.CONFIDENCE_THRESHOLD


def test_citations_show_the_documents_date(city: Core) -> None:
    answer = qa.ask(city, "代決した事案は何日以内に後閲に供しますか", "U1", quota=False)
    [citation] = [c for c in answer.citations if c.doc.endswith("bunsho-kitei.html")]
    assert citation.dated == date(2024, 4, 1) and citation.section == "第4条（決裁区分）"
    assert "2024年4月1日施行" in answer.text


def test_a_document_without_a_date_is_dated_by_its_file(core: Core) -> None:
    outcome = add_bytes(core, "memo.txt", "連絡\n返信は当日中にします。".encode(), file_date=date(2025, 1, 6))
    with core.sessions() as session:
        document = session.get(QaDocument, outcome.document_id)
        assert document is not None and (document.dated, document.dated_by) == (date(2025, 1, 6), "file")


def test_pdf_passages_keep_pages_without_headers_footers_or_page_numbers(city: Core) -> None:
    with city.sessions() as session:
        chunks = session.scalars(
            select(QaChunk).join(QaDocument).where(QaDocument.source.like("%dx-plan.pdf")).order_by(QaChunk.ordinal)
        ).all()
    assert {c.page for c in chunks} == {1, 2, 3, 4, 5}
    assert not any("改定版）" in c.text or "- 3 -" in c.text for c in chunks)  # the running header, a page number
    training = next(c for c in chunks if "DX基礎研修" in c.text)
    assert training.page == 4 and training.section == "第2章 重点施策 > 3 人材育成 > (1) DX研修"
    assert "DX基礎研修を年2回実施する。管理職には" in training.text  # a line broken inside the sentence is joined


def test_a_scanned_pdf_is_reported_not_indexed_empty(core: Core, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(blank_pdf())
    [outcome] = add_paths(core, [scan])
    assert outcome.status == "failed" and "スキャン画像" in outcome.reason
    with core.sessions() as session:
        assert session.scalar(select(QaDocument.id)) is None


@pytest.mark.skipif(not os.environ.get("KIUN_TEST_DATABASE_URL"), reason="the PostgreSQL run of the same tests")
def test_runs_on_postgresql(core: Core) -> None:
    assert core.engine.dialect.name == "postgresql"
