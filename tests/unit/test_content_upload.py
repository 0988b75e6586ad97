"""Telling what an uploaded file is, and reading its text as the DX office's tools save it."""

from __future__ import annotations

import pytest

from bot.features.content.upload import WORDS, decode, kind_of

LESSON = b"---\nid: open-data\ntitle: x\nquiz:\n  question: q\n---\nbody\n"


@pytest.mark.parametrize(
    ("word", "suffix", "data", "kind"),
    [
        (None, ".md", LESSON, "lesson"),
        (None, ".md", b"\xef\xbb\xbf" + LESSON, "lesson"),
        (None, ".md", b"# \xe5\x85\xac\xe7\x94\xa8\xe8\xbb\x8a\n...", "document"),  # no front matter: a document
        (None, ".md", b"---\ntitle: a page\n---\ntext", None),  # front matter, not a lesson's: ask
        (None, ".pdf", b"%PDF", "document"),
        (None, ".csv", b"year,total\n", "data"),
        (None, ".yml", b"groups:\n  - [a, b]\n", "synonyms"),
        (None, ".yml", b"order:\n  - why-dx-now\n", "curriculum"),
        (None, ".yaml", b"title: t\nquestions: []\n", "poll"),
        (None, ".yml", b"id: x\ntext: t\nvalue: 1\n", "fact"),
        (None, ".yml", b"title: only a title\n", None),
        (None, ".yml", b"key: [unclosed\n", None),
        (None, ".yml", b"- a list\n", None),
        ("データ", ".csv", b"", "data"),
        ("データ", ".yml", b"id: x\n", "fact"),
        ("レッスン", ".yml", b"", "curriculum"),
        ("レッスン", ".md", b"no front matter", "lesson"),  # the word wins: its check says what is missing
        ("文書", ".md", LESSON, "document"),
    ],
)
def test_the_kind_comes_from_the_word_then_the_file(word: str | None, suffix: str, data: bytes, kind: str | None):
    assert kind_of(WORDS[word] if word else None, suffix, data) == kind


def test_text_is_utf8_with_or_without_bom_or_shift_jis_as_excel_saves_it():
    assert decode("年,人口\n".encode()) == "年,人口\n"
    assert decode(b"\xef\xbb\xbf" + "年".encode()) == "年"
    assert decode("総人口（人）".encode("cp932")) == "総人口（人）"
    assert decode("年,人口".encode("utf-16")) == "年,人口"  # Excel's "Unicode text"
    assert decode(b"\xf0\x40\xf0\x41") is None  # decodes as cp932's user-defined characters only
    assert decode(b"\x89PNG\r\n\x1a\n\x00\x00") is None
