"""Idea rules without Slack: quick-idea parsing, validation, Japanese-aware similarity, departments, CSV cells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.common.departments import DepartmentsError, find_department, load_departments, parse_departments
from bot.features.ideas.export import safe_cell
from bot.features.ideas.rules import TITLE_MAX, find_status, is_meaningful, parse_quick, validate
from bot.features.ideas.similar import THRESHOLD, cosine, vector


@given(st.text(min_size=1, max_size=400))
def test_quick_parse_never_loses_text_and_keeps_titles_short(text: str) -> None:
    fields = parse_quick(text)
    assert len(fields.title) <= TITLE_MAX
    kept = f"{fields.title}\n{fields.proposal}"
    for line in text.strip().splitlines()[1:]:
        assert line.strip() in kept
    first = text.strip().partition("\n")[0].strip()
    assert first in kept or first[: TITLE_MAX - 1] in fields.title


def test_quick_parse_splits_title_and_proposal() -> None:
    fields = parse_quick("押印を廃止する\n申請書の押印欄をなくします。\n窓口の負担も減ります。")
    assert (fields.title, fields.proposal) == ("押印を廃止する", "申請書の押印欄をなくします。\n窓口の負担も減ります。")
    long = "あ" * 100
    shortened = parse_quick(long)
    assert shortened.title == "あ" * 79 + "…" and shortened.proposal == long


def test_validation_accepts_full_width_numbers_and_department_names() -> None:
    fields, errors = validate(
        {"title": "会議資料のペーパーレス化", "problem": "印刷が多いです。", "proposal": "タブレットで配布します。",
         "hours": "１２", "department": "経済部", "category": "genai", "anonymous": "anonymous"}
    )  # fmt: skip
    assert errors == {}
    assert (fields.hours_saved, fields.department, fields.category, fields.anonymous) == (12, "keizai", "genai", True)
    _, errors = validate({"title": "x", "problem": "y", "proposal": "z", "category": "space"})
    assert errors == {"category": "選択肢の中から選んでください。"}


def test_meaningful_text_and_status_names() -> None:
    assert not is_meaningful("。、　！？ ") and is_meaningful("DX") and is_meaningful("案")
    assert find_status("採用") == "adopted" and find_status("一部採用") == "partial" and find_status("ｘ") is None


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (("会議資料をペーパーレスにする", "紙の会議資料を印刷せずタブレットで配布する"),
         ("会議資料のペーパーレス化", "毎回の会議資料の印刷をやめてタブレットで共有する"), True),
        (("押印の廃止", "申請書の押印欄をなくす"), ("申請書のハンコを廃止する", "申請書類の押印を不要にする"), True),
        (("ＤＸ研修をｅラーニングに", "集合研修をやめる"), ("DX研修をeラーニング化", "研修を動画にする"), True),
        (("会議資料をペーパーレスにする", "紙の会議資料を印刷せずタブレットで配布する"),
         ("窓口の待ち時間を減らす", "受付番号をスマホに通知して待ち時間を短縮する"), False),
        (("ローコードで休暇申請を電子化", "kintoneで作ります"),
         ("観光案内をチャットボットにする", "よくある質問に答えます"), False),
    ],
)  # fmt: skip
def test_similarity_is_japanese_aware(a, b, similar: bool) -> None:
    score = cosine(vector(*a), vector(*b))
    assert (score >= THRESHOLD) is similar, score


def test_departments_file_and_lookup() -> None:
    departments = load_departments()
    assert len(departments) >= 9 and departments[0].name == "総務部"
    assert find_department("経済部").id == "keizai" and find_department("ｋｅｉｚａｉ").id == "keizai"
    assert find_department("宇宙部") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("departments: []", "non-empty list"),
        ("departments:\n  - {id: Somu, name: 総務部}", "id 'Somu'"),
        ("departments:\n  - {id: a, name: 総務部}\n  - {id: a, name: 企画部}", "appears twice"),
        ("departments: [", "not valid YAML"),
    ],
)
def test_department_file_errors_say_what_to_fix(text: str, problem: str) -> None:
    with pytest.raises(DepartmentsError, match=problem):
        parse_departments(text, "departments.yml")


def test_csv_cells_cannot_become_formulas() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+81", "-3", "@SUM(A1)", "普通の文", 12, None)] == [
        "'=1+1", "'+81", "'-3", "'@SUM(A1)", "普通の文", "12", "",
    ]  # fmt: skip
