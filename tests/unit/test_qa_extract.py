"""Every supported format gives text with its heading path and page; unreadable files give a reason."""

from __future__ import annotations

import pytest

from bot.features.qa.extract import Unreadable, extract
from tests.fixtures.qa_files import blank_pdf, docx_file, text_pdf, xlsx_file


def test_markdown_keeps_heading_paths_and_skips_front_matter_and_code() -> None:
    data = "---\ntitle: x\n---\n# 計画\n前文です。\n## 第1章\n### 1.1 人口\n本文です。\n```\n# not a heading\n```\n"
    doc = extract("plan.md", data.encode())
    assert doc.title == "計画"
    assert [(p.section, p.text) for p in doc.parts] == [
        ("計画", "前文です。"),
        ("計画 > 第1章 > 1.1 人口", "本文です。\n# not a heading"),
    ]


def test_html_skips_navigation_scripts_and_styles() -> None:
    html = (
        "<html><head><title>FAQ</title><style>p{}</style></head><body><nav>ホーム</nav>"
        "<h1>FAQ</h1><h2>テレワーク</h2><p>週2日まで&amp;可</p><script>alert(1)</script></body></html>"
    )
    doc = extract("faq.html", html.encode())
    assert doc.title == "FAQ"
    assert [(p.section, p.text) for p in doc.parts] == [("FAQ > テレワーク", "週2日まで&可")]


def test_html_and_docx_list_items_keep_a_bullet() -> None:
    html = (
        "<h1>手引き</h1><p>次の情報が必要です。</p>"
        "<ul><li>利用日</li><li><p>行き先</p></li><li></li></ul><p>以上です。</p>"  # an empty item bullets nothing
    )
    assert extract("guide.html", html.encode()).parts[0].text == "次の情報が必要です。\n- 利用日\n- 行き先\n以上です。"
    listed = [p.text for p in extract("telework.docx", docx_file()).parts if "- " in p.text]
    assert listed == ["次の端末が使えます。\n- 市の貸与端末\n- 自宅の端末は不可"]


def test_text_in_shift_jis_is_read() -> None:
    doc = extract("memo.txt", "RPAの進め方\n毎月の集計を自動化します。".encode("cp932"))
    assert doc.title == "RPAの進め方" and "自動化" in doc.parts[0].text


def test_pdf_pages_are_numbered() -> None:
    doc = extract("guide.pdf", text_pdf(["Paperless meetings start here", "Tablets are lent for three days"]))
    assert [(p.page, p.text) for p in doc.parts] == [
        (1, "Paperless meetings start here"),
        (2, "Tablets are lent for three days"),
    ]


def test_docx_headings_and_xlsx_sheets() -> None:
    doc = extract("telework.docx", docx_file())
    assert doc.title == "テレワーク実施要領"
    assert ("テレワーク実施要領 > 対象者", "所属長が認めた職員は、週2日までテレワークができます。") in [
        (p.section, p.text) for p in doc.parts
    ]
    sheet = extract("list.xlsx", xlsx_file())
    assert sheet.parts[0].section == "手続一覧"
    assert sheet.parts[0].text == "手続: 児童手当の申請 / オンライン化: 2026年度"  # a row keeps its column headers


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", blank_pdf(encrypt=True), "暗号化"),
        ("scan.pdf", blank_pdf(), "スキャン画像"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "壊れているか"),
        ("broken.docx", b"PK\x03\x04 not a zip", "壊れているか"),
        ("empty.md", b"   \n", "文字が含まれていません"),
        ("slides.pptx", b"x", "対応していない形式"),
    ],
)
def test_unreadable_files_say_why(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        extract(name, data)
