"""The structure of Japanese public documents: numbered headings, PDF page furniture, tables, dates."""

from __future__ import annotations

from datetime import date

from bot.features.qa.extract import extract
from bot.features.qa.structure import Line, blocks, document_date, page_lines, table_lines


def _blocks(text: str) -> list[tuple[str, str]]:
    found = blocks([Line(line) for line in text.split("\n")])
    return [(" > ".join(b.path), "\n".join(line.text for line in b.lines)) for b in found]


def test_articles_take_their_caption_and_keep_paragraphs_and_items() -> None:
    text = (
        "第1章 総則\n（趣旨）\n第1条　この規程は、必要な事項を定める。\n（実施日数）\n第2条　週2日まで実施できる。\n"
        "２　介護を行う職員は、週4日まで実施できる。\n一　公衆無線LANに接続しないこと。\n二　画面を見せないこと。\n"
        "附　則\nこの規程は、令和6年4月1日から施行する。"
    )
    assert _blocks(text) == [
        ("第1章 総則 > 第1条（趣旨）", "この規程は、必要な事項を定める。"),
        (
            "第1章 総則 > 第2条（実施日数）",
            "週2日まで実施できる。\n２　介護を行う職員は、週4日まで実施できる。\n"
            "一　公衆無線LANに接続しないこと。\n二　画面を見せないこと。",
        ),
        ("附 則", "この規程は、令和6年4月1日から施行する。"),
    ]


def test_numbered_headings_nest_in_the_order_their_styles_appear_and_lists_stay_lists() -> None:
    text = (
        "1. 概要\n本文です。\n2. 作成\n2-1 依頼\n依頼書を出す。\n(1) 領収書の写し\n(2) 写真\n"
        "2-2 公開\n翌日に公開する。\n"
        "■ 工作教室\n定員：20組\n【お知らせ】\n休館します。"
    )
    assert _blocks(text) == [
        ("1. 概要", "本文です。"),
        ("2. 作成 > 2-1 依頼", "依頼書を出す。\n(1) 領収書の写し\n(2) 写真"),
        ("2. 作成 > 2-2 公開", "翌日に公開する。"),
        ("2. 作成 > 2-2 公開 > ■ 工作教室", "定員：20組"),
        ("2. 作成 > 2-2 公開 > ■ 工作教室 > 【お知らせ】", "休館します。"),
    ]


def test_a_heading_alone_is_never_a_block() -> None:
    assert _blocks("1. 概要\n1-1 目的\n目的です。") == [("1. 概要 > 1-1 目的", "目的です。")]


def test_pdf_headers_footers_and_page_numbers_go_and_broken_lines_are_joined() -> None:
    body = "テレワークは、所属長の承認を受けた職員が週2日まで実施でき"
    pages = [f"架空市計画\n第1章 総則\n{body}\nる。\n- 1 -"] + [
        f"架空市計画\n第{n}章 {title}\n{title}の本文です。\n{n}/3" for n, title in ((2, "目的"), (3, "方針"))
    ]
    lines = page_lines(pages)
    assert [(line.text, line.page) for line in lines] == [
        ("第1章 総則", 1),
        (f"{body}る。", 1),
        ("第2章 目的", 2),
        ("目的の本文です。", 2),
        ("第3章 方針", 3),
        ("方針の本文です。", 3),
    ]


def test_table_rows_keep_their_column_headers_and_units() -> None:
    rows = [["手数料一覧", "", ""], [], ["区分", "証明書", "手数料（円）"], ["住民票", "住民票の写し", "300"]]
    assert table_lines(rows) == [("手数料一覧", False), ("区分: 住民票 / 証明書: 住民票の写し / 手数料: 300円", True)]


def test_the_document_date_is_the_latest_it_gives() -> None:
    text = "平成20年3月28日訓令第5号\n改正　令和6年3月29日\n附　則\nこの規程は、令和６年４月１日から施行する。"
    assert document_date(text) == (date(2024, 4, 1), "施行")
    assert document_date("最終更新日：令和7年5月20日") == (date(2025, 5, 20), "更新")
    assert document_date("令和元年5月改定") == (date(2019, 5, 1), "改定")
    assert document_date("受付：7月1日から") is None


def test_plain_text_manual_is_split_at_its_numbered_headings() -> None:
    text = "操作マニュアル\n1. システムの概要\n申請を受け付ける。\n2. 新しい申請フォームの作成\n審査には3営業日かかる。"
    doc = extract("manual.txt", text.encode())
    assert doc.title == "操作マニュアル"
    assert [(p.section, p.text) for p in doc.parts] == [
        ("1. システムの概要", "申請を受け付ける。"),
        ("2. 新しい申請フォームの作成", "審査には3営業日かかる。"),
    ]


def test_html_tables_become_rows_with_headers() -> None:
    html = "<h1>料金</h1><table><caption>別表第1</caption><tr><th>部屋</th><th>料金（円）</th></tr>"
    html += "<tr><td>大ホール</td><td>6000</td></tr></table>"
    assert [(p.section, p.text) for p in extract("fees.html", html.encode()).parts] == [
        ("料金 > 別表第1", "部屋: 大ホール / 料金: 6000円")
    ]


def test_an_html_table_of_labels_and_values_keeps_each_label() -> None:
    html = "<h1>窓口</h1><table><tr><th>受付時間</th><td>8:30〜17:15</td></tr>"
    html += "<tr><th>場所</th><td>本庁舎1階</td></tr></table>"
    assert extract("counter.html", html.encode()).parts[0].text == "受付時間: 8:30〜17:15\n場所: 本庁舎1階"


def test_a_pdf_line_spaced_out_character_by_character_is_read_whole() -> None:
    [heading, body] = page_lines(["第 1 章 総 則\n本庁舎1階 市民課で受け付けます。"])
    assert (heading.text, body.text) == ("第1章総則", "本庁舎1階 市民課で受け付けます。")
