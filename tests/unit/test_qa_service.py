"""Ingestion, search and answers without an LLM, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

from freezegun import freeze_time
from sqlalchemy import func, select

from bot.app.core import Core
from bot.chat.markup import plain
from bot.common.paths import content_dir
from bot.features.qa import answer as qa
from bot.features.qa.ingest import add_bytes, add_paths, documents, reindex, remove
from bot.features.qa.search import search
from bot.models import QaChunk, QaPosting, QaQuestion
from tests.conftest import make_settings
from tests.fixtures.qa_files import blank_pdf, text_pdf

SAMPLE = content_dir() / "docs"


def with_settings(core: Core, **env: object) -> Core:
    return Core(
        make_settings(core.settings.database_url, core.settings.slack_api_url, **env), core.engine, core.sessions
    )


def test_sample_corpus_is_ingested_with_titles_sections_and_sources(core: Core) -> None:
    outcomes = add_paths(core, [SAMPLE])
    assert {o.status for o in outcomes} == {"added"} and len(outcomes) == 5
    titles = {doc.title for doc in documents(core)}
    assert "みなと川市 生成AI利用ガイドライン" in titles and "テレワークとビジネスチャットのよくある質問" in titles
    [hit] = search(core, "会議資料は前日の何時までに掲載しますか", 1)
    assert hit.title == "ペーパーレス会議の手引き" and hit.section == "1. 会議の前に > 1.1 資料の共有"
    assert hit.source.endswith("content/docs/paperless-meetings.md") and "前日正午" in hit.text


def test_two_character_and_latin_terms_match(core: Core) -> None:
    add_paths(core, [SAMPLE])
    assert search(core, "人口", 1)[0].title == "みなと川市 DX推進計画（抜粋）"
    assert [h.chunk_id for h in search(core, "ＲＰＡ", 3)] == [h.chunk_id for h in search(core, "rpa", 3)]  # NFKC
    assert search(core, "", 5) == [] and search(core, "。。", 5) == []


def test_unchanged_files_are_skipped_and_changed_ones_replace_the_old_version(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "memo.md"
    path.write_text("# 連絡\nチャットは当日中に返信します。", encoding="utf-8")
    [first] = add_paths(core, [path])
    [again] = add_paths(core, [path])
    assert (first.status, again.status, again.document_id) == ("added", "unchanged", first.document_id)
    path.write_text("# 連絡\nチャットは翌開庁日までに返信します。", encoding="utf-8")
    [changed] = add_paths(core, [path])
    assert changed.status == "updated"
    with core.sessions() as session:
        texts = session.scalars(select(QaChunk.text)).all()
    assert texts == ["チャットは翌開庁日までに返信します。"]  # the old passage and its postings are gone
    assert search(core, "当日中", 5) == []


def test_unreadable_files_are_reported_and_the_rest_is_ingested(core: Core, tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(blank_pdf())
    (tmp_path / "locked.pdf").write_bytes(blank_pdf(encrypt=True))
    (tmp_path / "guide.pdf").write_bytes(text_pdf(["Meeting papers go online", "Tablets can be borrowed"]))
    outcomes = {Path(o.source).name: o for o in add_paths(core, [tmp_path, tmp_path / "missing.md"])}
    assert outcomes["guide.pdf"].status == "added"
    assert "スキャン画像" in outcomes["scan.pdf"].reason and "暗号化" in outcomes["locked.pdf"].reason
    assert outcomes["missing.md"].reason == "ファイルが見つかりません"
    [hit] = search(core, "tablets borrowed", 1)
    assert hit.page == 2


def test_remove_and_reindex(core: Core) -> None:
    add_paths(core, [SAMPLE])
    with core.sessions() as session:
        postings = session.scalar(select(func.count()).select_from(QaPosting))
    assert reindex(core) == sum(doc.chunk_count for doc in documents(core))
    with core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(QaPosting)) == postings
    guideline = next(doc for doc in documents(core) if "ガイドライン" in doc.title)
    assert remove(core, guideline.id).title == guideline.title
    assert remove(core, guideline.id) is None
    assert all(hit.title != guideline.title for hit in search(core, "生成AIに入力してはいけない情報", 10))


def test_extractive_answer_quotes_sentences_with_citations(core: Core) -> None:
    add_paths(core, [SAMPLE])
    result = qa.ask(core, "テレワークは週に何日まで使えますか", "U1")
    assert result.mode == "extractive" and result.answered
    assert "> 所属長が業務上可能と認めた職員が、週2日まで利用できます。 [" in result.text
    assert "テレワーク > テレワークは誰が使えますか？" in {c.section for c in result.citations}
    assert len(result.citations) == len(set(re.findall(r"\[(\d)\] ", result.text)))  # every quote is cited


def test_a_quoted_sentence_brings_the_list_it_introduces(core: Core) -> None:
    add_paths(core, [SAMPLE])
    result = qa.ask(core, "生成AIを使ってよい業務は何ですか", "U1")
    lines = plain(result.text).splitlines()  # as a person reads it
    lead = lines.index("> 次のような業務で生成AIを使うことができます。 [1]")
    assert lines[lead + 1 : lead + 5] == [
        "> - 文章の下書き（お知らせ文、あいさつ文、説明資料のたたき台など）",
        "> - 長い文書の要約",
        "> - 企画のアイデア出し",
        "> - 表計算の関数やマクロの書き方の調べもの",
    ]
    assert "使ってよい業務" in result.citations[0].section


def test_a_list_item_is_quoted_once_even_when_it_matches_on_its_own(core: Core) -> None:
    guide = (
        "# 公用車の手引き\n\n## 予約\n\n公用車の予約には次の情報が必要です。\n\n1. 公用車の利用日\n2. 行き先\n\n"
        "以上です。\n\n## 返却\n\n返却時は公用車の鍵を戻します。\n"
    )
    add_bytes(core, "guide.md", guide.encode())
    result = qa.ask(core, "公用車の予約に必要な情報は何ですか", "U1")
    assert result.mode == "extractive"
    assert "> 公用車の予約には次の情報が必要です。 [1]\n> 1. 公用車の利用日\n> 2. 行き先" in result.text
    assert result.text.count("公用車の利用日") == 1  # matched on its own too, shown once within its list


def test_off_topic_question_is_refused_with_nearest_documents_and_whom_to_ask(core: Core) -> None:
    add_paths(core, [SAMPLE])
    result = qa.ask(core, "ふるさと納税の返礼品の締め切りはいつですか", "U1", platform="slack")
    assert result.mode == "refused" and not result.answered and result.citations == []
    assert "見つかりませんでした" in result.text and "情報政策課 DX推進係" in result.text
    assert "近い内容の文書" in result.text
    assert [gap.reason for gap in qa.gaps(core)] == ["refused"]


def test_empty_index_refuses(core: Core) -> None:
    result = qa.ask(core, "生成AIは使えますか", "U1")
    assert result.mode == "refused" and "近い内容の文書" not in result.text


def test_personal_data_is_blocked_and_logged_redacted(core: Core) -> None:
    add_paths(core, [SAMPLE])
    result = qa.ask(core, "090-1234-5678 の山田さんの件で生成AIを使えますか", "U1")
    assert result.mode == "blocked" and "電話番号" in result.text and not result.answered
    with core.sessions() as session:
        row = session.scalars(select(QaQuestion)).one()
    assert row.question == "[電話番号] の山田さんの件で生成AIを使えますか" and row.mode == "blocked"


def test_daily_quota_resets_at_local_midnight(core: Core) -> None:
    limited = with_settings(core, KIUN_QA_DAILY_LIMIT="2")
    with freeze_time("2026-06-01 14:00:00"):  # 23:00 in Tokyo
        assert [qa.ask(limited, "生成AIは使えますか", "U1").mode for _ in range(3)] == ["refused", "refused", "limit"]
        assert qa.ask(limited, "生成AIは使えますか", "U2").mode == "refused"  # per person
    with freeze_time("2026-06-01 15:00:01"):  # 00:00:01 the next day in Tokyo
        assert qa.ask(limited, "生成AIは使えますか", "U1").mode == "refused"


def test_feedback_is_one_per_person_and_unhelpful_answers_are_gaps(core: Core) -> None:
    add_paths(core, [SAMPLE])
    result = qa.ask(core, "会議資料はいつまでに共有フォルダへ掲載しますか", "U1", platform="slack")
    assert result.answered and qa.gaps(core) == []
    assert qa.rate(core, result.question_id, "U2", helpful=True)
    assert qa.rate(core, result.question_id, "U2", helpful=False)  # changes their rating
    [gap] = qa.gaps(core)
    assert (gap.reason, gap.question) == ("unhelpful", "会議資料はいつまでに共有フォルダへ掲載しますか")
    assert not qa.rate(core, 999_999, "U2", helpful=True)


def test_uploads_are_ingested_by_name(core: Core) -> None:
    outcome = add_bytes(core, "slack/guide.txt", "公用車の予約\n公用車は前日までに予約します。".encode(), "U_ADMIN")
    assert outcome.status == "added"
    assert search(core, "公用車の予約", 1)[0].source == "slack/guide.txt"
