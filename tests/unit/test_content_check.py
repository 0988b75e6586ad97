"""``kiun content check``: every problem named by file and line, exit 1; the bundled content passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.content import check_all
from bot.common.paths import bundled
from bot.features.lessons.catalogue import BODY_MAX_CHARS, build_catalogue
from bot.features.lessons.facts import build_facts
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["content", "check", *args])
    return code, capsys.readouterr().out.splitlines()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def test_bundled_content_passes_and_is_complete(capsys) -> None:
    code, out = run_check(capsys, "--dir", str(bundled("content")))
    assert code == 0 and out[-1].startswith("kiun: content OK"), out
    lessons = build_catalogue(bundled("content"))
    assert len(lessons.lessons) >= 16 and lessons.problems == []
    assert all(len(lesson.body) <= BODY_MAX_CHARS for lesson in lessons.lessons)
    assert all(3 <= len(lesson.quiz.choices) <= 4 for lesson in lessons.lessons)
    facts = build_facts(bundled("content"))
    assert len(facts.facts) >= 10 and facts.problems == []
    assert any(fact.source.name == "千曲市の報道記事 (2024)" for fact in facts.facts)
    assert any(fact.chart and "総人口" in fact.chart.series for fact in facts.facts)


def test_valid_test_content_passes(content, capsys) -> None:
    code, out = run_check(capsys)
    assert code == 0 and "lessons: 4" in out[-1]  # three lessons and curriculum.yml


def test_each_error_names_file_and_line(content: Path, capsys) -> None:
    lessons = content / "lessons"
    first, second, third = sorted(lessons.glob("0*.md"))
    edit(first, "  answer: 選択肢B", "  answer: 選択肢Z")
    edit(second, "    - 選択肢C\n", "")
    second_choices = line_of(second, "choices:")
    edit(third, "本文です。", "本" * (BODY_MAX_CHARS + 1))
    edit(lessons / "curriculum.yml", "  - third\n", "  - third\n  - missing-lesson\n")
    fact = content / "facts" / "01-fact-one.yml"
    edit(fact, "    総人口: total", "    総人口: no_such_column")
    (content / "data" / "broken.csv").write_text("year,total\n2020,100\n", encoding="utf-8")

    body = len(third.read_text(encoding="utf-8").split("---\n")[2].strip())

    code, out = run_check(capsys)

    assert code == 1 and body > BODY_MAX_CHARS
    assert f"{first}:{line_of(first, 'answer:')}: 'answer' is not one of the choices" in "\n".join(out)
    expected = [
        f"{second}:{second_choices}: 'choices' has 2 entries; a quiz needs 3 or 4",
        f"{third}:{line_of(third, '本本本')}: the lesson text is {body} characters; at most 1200",
        f"{lessons / 'curriculum.yml'}:5: no lesson file has id 'missing-lesson'",
        f"{fact}:{line_of(fact, 'no_such_column')}: column 'no_such_column' is not in projection.csv",
        f"{content / 'data' / 'broken.csv'}:1: add a line '# source: …' at the top saying where the numbers come from",
    ]
    for line in expected:
        assert line in out, f"{line!r} not in {out}"
    assert out[-1].startswith("kiun: ") and "problem(s)" in out[-1]


def test_yaml_syntax_error_points_at_its_line(content: Path, capsys) -> None:
    lesson = sorted((content / "lessons").glob("0*.md"))[0]
    edit(lesson, "tags: [テスト]", "tags: [テスト")
    code, out = run_check(capsys)
    assert code == 1
    [problem] = [line for line in out if line.startswith(str(lesson))]
    assert problem.split(":")[1] in {"5", "6"} and "YAML syntax error" in problem


def test_missing_front_matter_and_duplicate_keys(content: Path, capsys) -> None:
    lessons = content / "lessons"
    (lessons / "09-plain.md").write_text("タイトルだけ\n", encoding="utf-8")
    second = sorted(lessons.glob("0*.md"))[1]
    edit(second, "level: 1\n", "level: 1\nlevel: 2\n")
    code, out = run_check(capsys)
    assert code == 1
    assert f"{lessons / '09-plain.md'}:1: the file must start with a line '---' and YAML front matter" in out
    assert any(line.startswith(f"{second}:6: YAML syntax error") and "appears twice" in line for line in out)


def test_chart_without_data_is_an_error(content: Path) -> None:
    fact = content / "facts" / "02-fact-two.yml"
    text = fact.read_text(encoding="utf-8").split("  data: projection.csv")[0]
    fact.write_text(text, encoding="utf-8")
    problems = check_all(content)
    assert [(p.file, p.line) for p in problems] == [(fact, 9)]
    assert "chart data missing" in problems[0].message


def test_answer_given_as_a_number_gets_a_hint(content: Path) -> None:
    lesson = sorted((content / "lessons").glob("0*.md"))[0]
    edit(lesson, "  answer: 選択肢B", "  answer: 2")
    [problem] = check_all(content)
    assert "(write the choice's text, not its number)" in problem.message


def test_missing_folder_is_reported(tmp_path: Path, capsys) -> None:
    code, out = run_check(capsys, "--dir", str(tmp_path / "nowhere"))
    assert code == 1 and "content folder not found" in out[0]
