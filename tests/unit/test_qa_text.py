"""Japanese terms and the privacy guard: the pieces every Q&A answer depends on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.common import japanese
from bot.features.qa import privacy


def my_number(body: str) -> str:
    """``body`` (11 digits) with its valid check digit."""
    return next(body + str(check) for check in range(10) if privacy.valid_my_number(body + str(check)))


def test_normalize_folds_width_case_and_spaces() -> None:
    assert japanese.normalize("  ＤＸ　推進\n ｶﾞｲﾄﾞ ") == "dx 推進 ガイド"


def test_normalize_folds_old_character_forms() -> None:
    assert japanese.normalize("國民健康保險の證明書") == "国民健康保険の証明書"


def test_two_character_terms_are_findable() -> None:
    assert "人口" in japanese.terms("市の人口が減ります")
    assert "dx" in japanese.terms("ＤＸ推進計画")
    assert japanese.bigrams("人口減少") == ["人口", "口減", "減少"]
    assert japanese.bigrams("市") == ["市"] and japanese.bigrams("") == []
    assert japanese.terms("市、町") == ["市", "町"]  # one-character runs are kept


@given(st.text(max_size=80))
def test_terms_never_contain_spaces_and_are_normalised(text: str) -> None:
    for term in japanese.terms(text):
        assert term and " " not in term and term == japanese.normalize(term)


def test_sentences_split_on_japanese_punctuation_and_lines() -> None:
    assert japanese.sentences("会議です。資料は？\n次へ") == ["会議です。", "資料は？", "次へ"]


def test_my_number_needs_a_valid_check_digit() -> None:
    valid = my_number("12345678901")
    assert valid == "123456789018"
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert [f.kind for f in privacy.find(f"番号は{valid}です")] == ["mynumber"]
    assert privacy.find(f"番号は{wrong}です") == []  # 12 digits alone are not personal data
    assert [f.kind for f in privacy.find("１２３４ ５６７８ ９０１８")] == ["mynumber"]  # full-width, spaced


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_every_valid_my_number_is_found_and_redacted(body: str) -> None:
    number = my_number(body)
    assert "mynumber" in {f.kind for f in privacy.find(f"個人番号 {number} の件")}
    assert number not in privacy.redact(f"個人番号 {number} の件")


def test_phone_email_and_card_are_found() -> None:
    cases = {
        "携帯は090-1234-5678です": "phone",
        "代表 ０２６（２７３）１１１１": "phone",
        "+81 3 1234 5678 まで": "phone",
        "taro.yamada@example.lg.jp に送る": "email",
        "カード 4111 1111 1111 1111": "card",
    }
    for text, kind in cases.items():
        assert [f.kind for f in privacy.find(text)] == [kind], text


def test_ordinary_numbers_are_not_personal_data() -> None:
    for text in ("2035年までに人口が17%減ります", "予算は1,234,567円", "令和6年4月1日", "内線2345", "50手続"):
        assert privacy.find(text) == [], text


def test_redact_replaces_each_finding() -> None:
    text = "山田です。090-1234-5678、a@b.jp、番号123456789018"
    assert privacy.redact(text) == "山田です。[電話番号]、[メールアドレス]、番号[個人番号]"


def test_compounds_join_kanji_across_one_okurigana() -> None:
    assert "持物" in japanese.compounds("工作教室の持ち物は何ですか")
    assert japanese.compounds("振り込み・受け取り") == ["振込", "受取"]
    assert japanese.compounds("市で使う") == []  # a particle or a verb ending joins nothing
