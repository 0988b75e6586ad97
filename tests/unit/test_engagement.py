"""The engagement report's building blocks: months, the momentum index, per-department indexes, formatting."""

from __future__ import annotations

from datetime import date

import pytest

from bot.common.text import day_text
from bot.features.polls.results import GroupResult, QuestionResult, RunResults, group_indexes, momentum_index
from bot.features.polls.templates import Question
from bot.features.report.format import percent
from bot.features.report.month import Month


@pytest.mark.parametrize("text", ["2026-11", " 2026-1 ", "2026-12"])
def test_months_parse(text: str) -> None:
    month = Month.parse(text)
    label = day_text(month.first, "month")
    assert (month.year, label) == (2026, f"2026年{month.month}月") and month.key() == f"2026-{month.month:02d}"


@pytest.mark.parametrize("text", ["2026/11", "2026-13", "2026-0", "11-2026", "", "1999-05", "2026-11-01"])
def test_months_that_cannot_be_read(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_month_edges() -> None:
    assert Month(2026, 2).last == date(2026, 2, 28) and Month(2028, 2).last == date(2028, 2, 29)
    assert Month(2026, 12).next() == Month(2027, 1) and Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 11) > Month(2026, 10) > Month(2025, 12)


def test_momentum_index_as_documented() -> None:
    scores = [("likert5", 3.6), ("likert5", 3.4), ("likert5", 2.9), ("enps", -30)]
    assert momentum_index(scores) == 51.9  # 65.0, 60.0, 47.5, 35.0 (docs/report.md)
    assert momentum_index([("likert5", 1.0), ("enps", -100)]) == 0.0
    assert momentum_index([("likert5", 5.0), ("enps", 100)]) == 100.0
    assert momentum_index([("likert5", 4.0), ("enps", None)]) is None  # a hidden core question hides the index
    assert momentum_index([]) is None


def _question(qid: str, kind: str, groups: dict[str, tuple[int, float | None, int | None]]) -> QuestionResult:
    result = QuestionResult(Question(qid, kind, qid, core=True), n=sum(n for n, _, _ in groups.values()))
    result.breakdown = {
        key: GroupResult(key.upper(), n, mean, enps if kind == "enps" else None)
        for key, (n, mean, enps) in groups.items()
    }
    return result


def test_department_index_is_hidden_when_any_core_question_hides_it() -> None:
    relevance = _question(
        "relevance", "likert5", {"somu": (12, 4.0, None), "kikaku": (6, 3.0, None), "-": (3, None, None)}
    )
    recommend = _question("recommend", "enps", {"somu": (12, 7.0, 20), "kikaku": (6, 6.0, None), "-": (3, None, None)})
    results = RunResults(run=None, number=1, responses=21, hidden=False, questions=[relevance, recommend])
    rows = {row.key: (row.label, row.n, row.index) for row in group_indexes(results)}
    assert rows == {"somu": ("SOMU", 12, 67.5), "kikaku": ("KIKAKU", 6, None), "-": ("-", 3, None)}


@pytest.mark.parametrize(
    ("value", "shown"), [(0.575, "58%"), (0.125, "13%"), (0.5749, "57%"), (None, "—"), (1, "100%")]
)
def test_percent_rounds_half_up(value, shown) -> None:
    assert percent(value) == shown
