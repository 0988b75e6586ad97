"""Poll templates: the shipped ones are valid, every problem is reported with file:line, biweekly cadence."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.common.paths import content_dir
from bot.features.polls.templates import Cadence, TemplateError, check_templates, get_template, load_templates

GOOD = """title: テスト
questions:
  - id: q1
    type: likert5
    text: 質問1
"""


def write(root: Path, name: str, text: str) -> Path:
    (root / "polls").mkdir(parents=True, exist_ok=True)
    path = root / "polls" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_templates_are_valid() -> None:
    assert check_templates() == []
    templates = load_templates()
    pulse = templates["dx-momentum"]
    assert 4 <= sum(q.type != "choice" for q in pulse.questions) <= 6 and pulse.anonymous
    assert {q.type for q in pulse.questions} == {"likert5", "enps", "choice", "text"}
    assert pulse.schedule == Cadence(2, date(2026, 1, 5)) and pulse.breakdown.id == "department"
    assert len(templates["quick-pulse"].questions) == 1
    assert templates["training-signup"].anonymous is False


def test_bad_question_type_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yml", GOOD + "  - id: q2\n    type: stars\n    text: 質問2\n")
    problems = check_templates(tmp_path)
    assert [(p.file, p.line) for p in problems] == [(path, 7)]
    assert "unknown question type 'stars'" in problems[0].message and "likert5" in problems[0].message
    with pytest.raises(TemplateError, match=r"bad.yml:7: unknown question type"):
        get_template("bad", tmp_path / "polls")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("title: x\n", 1, "'questions' is missing"),
        ("title: x\nquestions: []\n", 2, "'questions' needs at least 1 entry"),
        (GOOD + "period_days: 0\n", 6, "period_days"),
        (GOOD + "schedule:\n  every_n_weeks: 2\n", 7, "'start' is missing"),
        (GOOD + "schedule:\n  every_n_weeks: 2\n  start: soon\n", 8, "'start' must be a date such as 2026-01-05"),
        (GOOD + "  - id: q1\n    type: enps\n    text: 重複\n", 6, "appears twice"),
        (GOOD + "  - id: c\n    type: choice\n    text: 選択\n    options: [A]\n", 9, "at least 2"),
        (GOOD.replace("    text: 質問1\n", "    text: 質問1\n    core: yes please\n"), 6, "'core' must be true"),
        (GOOD + "colour: blue\n", 6, "unknown key 'colour'"),
        ("title: [unclosed\n", 2, "YAML syntax error"),
    ],
)
def test_each_problem_names_its_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write(tmp_path, "poll.yml", text)
    problems = check_templates(tmp_path)
    assert problems and problems[0].file == path, problems
    assert (problems[0].line, fragment in problems[0].message) == (line, True), problems


def test_kiun_content_check_reports_a_bad_poll_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copy(content_dir() / "departments.yml", tmp_path / "departments.yml")
    write(tmp_path, "pulse.yml", GOOD.replace("likert5", "likert7"))
    assert main(["content", "check", "--dir", str(tmp_path)]) == 1
    assert "pulse.yml:4: unknown question type 'likert7'" in capsys.readouterr().out


def test_biweekly_cadence_counts_weeks_from_the_start_across_years() -> None:
    cadence = Cadence(2, date(2026, 1, 5))
    assert cadence.due(date(2026, 1, 5)) and cadence.due(date(2026, 1, 9)) and not cadence.due(date(2026, 1, 12))
    assert not cadence.due(date(2025, 12, 29))  # before the start
    # 2026-12-28 is week 51 from the start (odd); 2027-01-04 week 52 — regular even though ISO weeks restart
    assert not cadence.due(date(2026, 12, 28)) and cadence.due(date(2027, 1, 4))
