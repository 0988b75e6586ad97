"""Facts computed from the city's own numbers (``compute:``), wide tables (a row per place, a column per year, as
the IPSS 市区町村別 tables), the source taken from the data table, and illustrative tables said so when posted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.common.paths import bundled
from bot.features.content.checks import check_all
from bot.features.content.inventory import illustrative
from bot.features.lessons.facts import build_facts
from bot.features.lessons.views import fact_reply

CITY_TABLE = """# source: 千曲市 住民基本台帳（各年10月1日）
# url: https://www.city.chikuma.lg.jp/
# note: 2020年を100とした指数。2035年は市の人口ビジョンの推計。
year,total_index,working_age_index
2020,100,100
2030,93.5,88.2
2035,88.0,81.0
"""

IPSS = """# source: 国立社会保障・人口問題研究所「日本の地域別将来推計人口（令和5年推計）」
# note: 総人口（人）。市区町村コード別。
code,市区町村,２０２０年,2025年,2035年,2050年
20201,長野市,"372,760","361,000","335,000","290,000"
020218,千曲市,"59,186","57,000","52,600","45,000"
"""

WIDE_FACT = """id: city-population
text: "{from}年の{from_value}人から、{to}年には{to_value}人（{difference}人、{percent}%{direction}）になる見込みです。"
value: "{to_value}"
unit: 人
chart:
  type: line
  title: 千曲市の総人口の推計
  data: ipss.csv
  rows: code
  series:
    千曲市: 20218
compute:
  to: 2035
  digits: 1
"""


@pytest.fixture(name="root")
def root_fixture(tmp_path: Path) -> Path:
    """A copy of the bundled content folder."""
    return Path(shutil.copytree(bundled("content"), tmp_path / "content"))


def test_bundled_population_facts_are_worked_out_from_the_illustrative_table(root: Path) -> None:
    facts = build_facts(root)
    assert facts.problems == []
    population, working = facts.get("population-2035"), facts.get("working-age-2035")
    assert population and working
    assert population.text == (
        "2035年ごろまでに、市の人口は約17%減ると見込まれています。10人いた住民が、8.3人になる計算です。"
    )
    assert population.figure() == "約17%減（2035年）"
    assert "約24%減る" in working.text and working.figure() == "約24%減（2035年）"
    assert population.source.name.startswith("千曲市の報道記事 (2024)")  # the table's '# source:' line
    assert population.illustrative and working.illustrative
    assert illustrative(root) == ["population_projection.csv"]
    reply = fact_reply(population, "ja")
    assert "例示データによる数字です" in reply.sections[1].text
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG")


def test_the_citys_own_table_changes_the_sentence_the_source_and_the_warning(root: Path) -> None:
    (root / "data" / "population_projection.csv").write_text(CITY_TABLE, encoding="utf-8")
    facts = build_facts(root)
    assert facts.problems == []
    population, working = facts.get("population-2035"), facts.get("working-age-2035")
    assert population and working
    assert population.text.startswith("2035年ごろまでに、市の人口は約12%減ると")
    assert "8.8人になる計算" in population.text
    assert working.figure() == "約19%減（2035年）"
    assert population.source.name == "千曲市 住民基本台帳（各年10月1日）"
    assert population.source.url == "https://www.city.chikuma.lg.jp/"
    assert not population.illustrative and illustrative(root) == []
    reply = fact_reply(population, "ja")
    assert "例示" not in reply.sections[1].text and "住民基本台帳" in reply.sections[1].text


def test_a_growing_series_says_it_grows(root: Path) -> None:
    (root / "data" / "population_projection.csv").write_text(
        CITY_TABLE.replace("88.0,81.0", "104.6,99.0"), encoding="utf-8"
    )
    population = build_facts(root).get("population-2035")
    assert population and "約5%増えると見込まれています" in population.text
    assert population.figure() == "約5%増（2035年）"


def test_a_wide_table_draws_the_citys_row_by_its_code(root: Path) -> None:
    (root / "data" / "ipss.csv").write_text(IPSS, encoding="utf-8")
    (root / "facts" / "20-city-population.yml").write_text(WIDE_FACT, encoding="utf-8")
    facts = build_facts(root)
    assert facts.problems == []
    fact = facts.get("city-population")
    assert fact and fact.chart
    assert fact.chart.labels == ("２０２０年", "2025年", "2035年", "2050年")
    assert fact.chart.series == {"千曲市": (59186.0, 57000.0, 52600.0, 45000.0)}
    assert fact.text == "2020年の59,186人から、2035年には52,600人（-6,586人、11.1%減）になる見込みです。"
    assert fact.figure() == "52,600人（2035年）"
    assert fact.source.name.startswith("国立社会保障・人口問題研究所")
    assert check_all(root) == []


@pytest.mark.parametrize(
    "text",
    ["'{percent:>999999999}です。'", "'{percent.__class__}です。'", "'{percent!r}です。'", "'{0}です。'"],
)
def test_a_text_is_never_a_format_program(root: Path, text: str) -> None:
    (root / "data" / "ipss.csv").write_text(IPSS, encoding="utf-8")
    fact = WIDE_FACT.replace(WIDE_FACT.splitlines()[1], f"text: {text}")
    (root / "facts" / "20-city-population.yml").write_text(fact, encoding="utf-8")
    [problem] = build_facts(root).problems
    assert problem.key == "compute_placeholder" and problem.line == 2


def test_braces_in_a_fact_without_compute_stay_as_written(root: Path) -> None:
    fact = root / "facts" / "05-social-increase.yml"
    text = fact.read_text(encoding="utf-8")
    fact.write_text(text.replace("text: ", "text: 「{転入}」{{超過}} ", 1), encoding="utf-8")
    social = build_facts(root).get("social-increase")
    assert social and social.text.startswith("「{転入}」{{超過}} ")


def test_a_broken_city_table_is_a_problem_of_the_facts_that_use_it(root: Path) -> None:
    (root / "data" / "population_projection.csv").write_text(
        CITY_TABLE.replace("2030,93.5,88.2", "2030,－,88.2"), encoding="utf-8"
    )
    problems = check_all(root)
    assert {(p.file.name, p.key) for p in problems} == {
        ("01-population-2035.yml", "cell_not_number"),
        ("03-working-age-2035.yml", "cell_not_number"),
    }
    assert all(p.params["line"] == 6 for p in problems)


def test_an_unknown_key_in_compute_lists_the_keys_as_written(root: Path) -> None:
    fact = root / "facts" / "01-population-2035.yml"
    fact.write_text(fact.read_text(encoding="utf-8").replace("  to: 2035", "  until: 2035"), encoding="utf-8")
    [problem] = build_facts(root).problems
    assert problem.key == "unknown_key" and problem.params["allowed"] == "digits, from, series, to"


def test_a_table_saved_by_excel_with_its_notes_in_cell_a1_is_read(root: Path) -> None:
    saved = (
        '"# 出典：千曲市 住民基本台帳（10月1日現在、日本人住民）",,\n'
        "# 説明：2020年を100とした指数,,\n"
        ",,\n"
        "year,total_index,working_age_index\n"
        '2020,100,"100"\n'
        ",,\n"
        "2035,88.0,81.0\n"
    )
    (root / "data" / "population_projection.csv").write_text(saved, encoding="utf-8")
    facts = build_facts(root)
    assert facts.problems == []
    population = facts.get("population-2035")
    assert population and population.source.name == "千曲市 住民基本台帳（10月1日現在、日本人住民）"
    assert population.figure() == "約12%減（2035年）" and population.chart
    assert population.chart.labels == ("2020", "2035")
