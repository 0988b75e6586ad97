"""Fact content: one YAML file per fact under ``content/facts/`` (posted in file-name order), and the CSV tables
under ``content/data/`` their charts draw from.

A fact::

    id: population-2035
    text: 2035年ごろまでに人口が約17%減ると見込まれています。
    value: -17             # a number or a short text
    unit: "%"
    year: 2035
    source: {name: 千曲市の報道記事 (2024), url: https://…}   # url optional
    chart:                 # optional
      type: line           # line | bar
      title: 将来の人口（2020年=100）
      data: population_projection.csv      # a CSV under content/data/ …
      x: year
      series: {総人口: total_index}         # legend label: column
      y_label: 指数
      # … or inline: labels: [...] and values: [...]

A CSV starts with ``# source: …`` and ``# note: …`` lines (what the numbers are and where they come from), then
a header row. :func:`render_chart` draws the PNG with :mod:`bot.common.charts`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.common import charts
from bot.common.content_files import ContentError, FileProblems, LineDict, Problem, files, load_yaml, read_text
from bot.common.paths import content_dir
from bot.features.lessons.catalogue import ID_PATTERN, Source

log = logging.getLogger(__name__)

TEXT_MAX_CHARS = 300
KEYS = ("id", "text", "value", "unit", "year", "source", "chart")
CHART_KEYS = ("type", "title", "data", "x", "series", "labels", "values", "y_label", "note")
_META = re.compile(r"^#\s*(source|note)\s*:\s*(.+)$")


@dataclass(frozen=True)
class Table:
    """A CSV under ``content/data/``: its columns, and the source and note from its ``#`` lines."""

    columns: dict[str, list[str]]
    source: str
    note: str


@dataclass(frozen=True)
class Chart:
    type: str
    title: str
    labels: tuple[str, ...]
    series: dict[str, tuple[float, ...]]
    y_label: str = ""
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    value: str
    unit: str
    year: int | None
    source: Source
    chart: Chart | None
    file: Path

    def figure(self) -> str:
        """The value with its unit and year, e.g. ``-17%（2035年）``."""
        year = f"（{self.year}年）" if self.year else ""
        return f"{self.value}{self.unit}{year}"


@dataclass
class FactList:
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, fact_id: str) -> Fact | None:
        return next((fact for fact in self.facts if fact.id == fact_id), None)


def read_table(file: Path) -> tuple[Table | None, list[Problem]]:
    """A data CSV with its ``# source:`` / ``# note:`` lines; problems name the line."""
    report = FileProblems(file)
    try:
        text = read_text(file)
    except ContentError as exc:
        return None, [exc.problem]
    meta: dict[str, str] = {}
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            match = _META.match(line)
            if match:
                meta[match.group(1)] = match.group(2).strip()
        elif line.strip():
            rows.append((number, next(csv.reader(io.StringIO(line)))))
    for key, what in (("source", "where the numbers come from"), ("note", "what the numbers are")):
        if key not in meta:
            report.add(1, f"add a line '# {key}: …' at the top saying {what}")
    if not rows:
        report.add(1, "the table has no header row")
        return None, report.problems
    header_line, header = rows[0]
    header = [name.strip() for name in header]
    if len(set(header)) != len(header) or not all(header):
        report.add(header_line, "column names must be non-empty and different")
    columns: dict[str, list[str]] = {name: [] for name in header}
    for number, row in rows[1:]:
        if len(row) != len(header):
            report.add(number, f"this row has {len(row)} values; the header has {len(header)} columns")
            continue
        for name, value in zip(header, row, strict=True):
            columns[name].append(value.strip())
    if len(rows) < 2:
        report.add(header_line, "the table has no data rows")
    if report.problems:
        return None, report.problems
    return Table(columns, meta["source"], meta["note"]), []


def parse_fact(file: Path, root: Path) -> tuple[Fact | None, list[Problem]]:
    report = FileProblems(file)
    try:
        data = report.mapping(load_yaml(file), "a fact file")
    except ContentError as exc:
        return None, [exc.problem]
    if data is None:
        return None, report.problems
    report.unknown_keys(data, KEYS)
    fact_id = report.text(data, "id")
    if fact_id and not ID_PATTERN.match(fact_id):
        report.add(data.line_of("id"), "'id' must be 2-48 lower-case letters, digits or '-'")
    text = report.text(data, "text", TEXT_MAX_CHARS)
    value = data.get("value")
    if "value" not in data:
        report.add(data.line, "'value' is missing (a number, or a short text)")
    elif isinstance(value, bool) or not isinstance(value, int | float | str) or not str(value).strip():
        report.add(data.line_of("value"), "'value' must be a number or a short text")
    unit = data.get("unit", "")
    if not isinstance(unit, str):
        report.add(data.line_of("unit"), "'unit' must be text (quote it, e.g. \"%\")")
    year = report.integer(data, "year", 1900, 2200, required=False)
    source = _source(report, data)
    chart = _chart(report, data, root, source) if "chart" in data else None
    if report.problems or fact_id is None or text is None or source is None:
        return None, report.problems  # a missing value always comes with its problem
    return Fact(fact_id, text, _number_text(value), unit, year, source, chart, file), []


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value).strip()


def _source(report: FileProblems, data: LineDict) -> Source | None:
    if "source" not in data:
        report.add(data.line, "'source' is missing: name (and url when public) of where the figure comes from")
        return None
    entry = report.mapping(data["source"], "'source'", data.line_of("source"))
    if entry is None:
        return None
    report.unknown_keys(entry, ("name", "url"))
    name = report.text(entry, "name", 200)
    url = report.text(entry, "url", 500, required=False) or ""
    if url and not url.startswith(("https://", "http://")):
        report.add(entry.line_of("url"), "'url' must start with https:// or http://")
    return Source(name, url) if name else None


def _chart(report: FileProblems, data: LineDict, root: Path, source: Source | None) -> Chart | None:
    spec = report.mapping(data["chart"], "'chart'", data.line_of("chart"))
    if spec is None:
        return None
    report.unknown_keys(spec, CHART_KEYS)
    kind = spec.get("type")
    if kind not in ("line", "bar"):
        report.add(spec.line_of("type"), "'type' must be line or bar")
    title = report.text(spec, "title", 60)
    y_label = report.text(spec, "y_label", 30, required=False) or ""
    note = report.text(spec, "note", 120, required=False) or ""
    table_source = ""
    if "data" in spec:
        labels, series, table_source = _series_from_table(report, spec, root)
    elif "labels" in spec:
        labels, series = _inline_series(report, spec, title or "") or (None, None)
    else:
        report.add(spec.line, "chart data missing: give 'data' (a CSV in content/data/) or 'labels' and 'values'")
        return None
    if kind == "bar" and series and len(series) > 1:
        report.add(spec.line_of("series"), "a bar chart shows one series; use type: line for several")
    if not (labels and series):
        return None
    if not title or kind not in ("line", "bar"):
        return None
    shown_source = table_source or (source.name if source else "")
    return Chart(kind, title, tuple(labels), series, y_label, note, shown_source)


def _inline_series(report: FileProblems, spec: LineDict, title: str):
    """``(labels, {title: values})`` written in the fact itself, or None."""
    labels = report.sequence(spec, "labels", required=False)
    values = _numbers(report, spec, "values") if labels is not None else None
    if labels is None or values is None:
        return None
    if len(values) != len(labels):
        report.add(spec.line_of("values"), f"'values' has {len(values)} numbers for {len(labels)} labels")
        return None
    return [str(label) for label in labels], {title: tuple(values)}


def _numbers(report: FileProblems, spec: LineDict, key: str) -> list[float] | None:
    items = report.sequence(spec, key)
    if items is None:
        return None
    numbers = []
    for index, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int | float):
            report.add(items.line_of(index), f"each entry of '{key}' must be a number")
            return None
        numbers.append(float(item))
    return numbers


def _series_from_table(report: FileProblems, spec: LineDict, root: Path):
    name = spec["data"]
    line = spec.line_of("data")
    file = root / "data" / str(name)
    if not isinstance(name, str) or "/" in name or "\\" in name or not file.is_file():
        report.add(line, f"data file '{name}' not found in content/data/")
        return None, None, ""
    table, problems = read_table(file)
    if table is None:
        report.add(line, f"data file '{name}' has problems: {problems[0]}")
        return None, None, ""
    x = spec.get("x")
    if x not in table.columns:
        report.add(spec.line_of("x"), f"'x' must be a column of {name}: {', '.join(table.columns)}")
        return None, None, ""
    wanted = spec.get("series")
    if not isinstance(wanted, LineDict) or not wanted:
        report.add(spec.line_of("series"), "'series' must map legend labels to columns, e.g. {総人口: total}")
        return None, None, ""
    series: dict[str, tuple[float, ...]] = {}
    for label, column in wanted.items():
        if column not in table.columns:
            report.add(wanted.line_of(label), f"column '{column}' is not in {name}")
            continue
        try:
            series[str(label)] = tuple(float(value.replace(",", "")) for value in table.columns[column])
        except ValueError:
            report.add(wanted.line_of(label), f"column '{column}' of {name} has a value that is not a number")
    if len(series) != len(wanted):
        return None, None, ""
    return table.columns[x], series, table.source


def build_facts(root: Path | None = None) -> FactList:
    root = root or content_dir()
    result = FactList()
    seen: dict[str, Path] = {}
    for file in files(root / "facts", ".yml", ".yaml"):
        fact, problems = parse_fact(file, root)
        result.problems += problems
        if fact is None:
            continue
        if fact.id in seen:
            result.problems.append(Problem(file, 1, f"id '{fact.id}' is already used by {seen[fact.id].name}"))
            continue
        seen[fact.id] = file
        result.facts.append(fact)
    return result


def check_facts(root: Path) -> list[Problem]:
    """The ``kiun content check`` checker for facts and the data tables."""
    problems = build_facts(root).problems
    for file in files(root / "data", ".csv"):
        problems += read_table(file)[1]
    return problems


def render_chart(chart: Chart) -> bytes:
    """The fact's chart as PNG bytes."""
    if chart.type == "line":
        series = {label: list(values) for label, values in chart.series.items()}
        return charts.line_chart(chart.title, list(chart.labels), series, chart.y_label, chart.source, chart.note)
    values = list(next(iter(chart.series.values())))
    return charts.bar_chart(chart.title, list(chart.labels), values, chart.y_label, chart.source, chart.note)
