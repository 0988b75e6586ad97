"""The message catalogue: both locales for every key, the same placeholders, polite Japanese."""

from __future__ import annotations

import re

import pytest

from bot.chat.i18n import LOCALES, catalogue, t

PLACEHOLDER = re.compile(r"{(\w+)}")
POLITE_END = re.compile(r"(です|ます|ません|ください|でした|ました)。$")


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_key_has_both_locales_with_same_placeholders(key: str) -> None:
    entry = catalogue()[key]
    assert set(entry) == set(LOCALES), key
    assert set(PLACEHOLDER.findall(entry["ja"])) == set(PLACEHOLDER.findall(entry["en"])), key


def test_japanese_sentences_are_polite() -> None:
    """Full Japanese sentences end in です/ます forms (labels and fragments are exempt)."""
    impolite = []
    for key, entry in catalogue().items():
        for sentence in re.split(r"(?<=。)", entry["ja"]):
            sentence = re.sub(r"（[^（）]*）。$", "。", sentence.strip())
            if sentence.endswith("。") and not POLITE_END.search(sentence):
                impolite.append((key, sentence))
    assert impolite == []


def test_format_and_fallback() -> None:
    assert t("error.too_long", "ja", length=120, limit=80) == "入力が長すぎます（120文字）。80文字以内にしてください。"
    assert "120" in t("error.too_long", "en", length=120, limit=80)
    assert t("error.too_long", "xx", length=1, limit=2).startswith("入力が長すぎます")
