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
      # … or a wide table (a row per place, a column per year, as the IPSS 市区町村別 tables):
      #   data: ipss_projection.csv, rows: code, series: {総人口: "20218"}   (legend label: the row's name)
      # … or inline: labels: [...] and values: [...]
    compute: {from: 2020, to: 2035}   # optional: text/value/unit worked out from the chart (see .compute)

A CSV starts with ``# source: …`` and ``# note: …`` lines (what the numbers are and where they come from; the
source is the fact's when the fact gives none), optionally ``# url: …`` and ``# illustrative: yes`` (example
numbers, not the city's: said on every post), then a header row. :func:`render_chart` draws the PNG with
:mod:`bot.common.charts`.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from bot.common import charts
from bot.common.content_files import (
    ContentError,
    ContentModel,
    Invalid,
    Message,
    Problem,
    files,
    load_yaml,
    read_text,
    short_text,
    validate,
)
from bot.common.paths import content_dir
from bot.features.lessons.catalogue import ID_PATTERN, Source
from bot.features.lessons.compute import ComputeFile, fill

log = logging.getLogger(__name__)

TEXT_MAX_CHARS = 300
_META = re.compile(r"^[#＃]\s*(source|出典|note|説明|url|illustrative)\s*[:：]\s*(.+)$", re.IGNORECASE)
_META_KEYS = {"出典": "source", "説明": "note"}
_YEAR = re.compile(r"^\d{4}(年|\b)")  # a wide table's year columns: 2020, 2020年, 2020年10月1日


@dataclass(frozen=True)
class Table:
    """A CSV under ``content/data/``: its columns, the line of each row, and its ``#`` lines."""

    columns: dict[str, list[str]]
    source: str
    note: str
    url: str = ""
    illustrative: bool = False
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    type: str
    title: str
    labels: tuple[str, ...]
    series: dict[str, tuple[float, ...]]
    y_label: str = ""
    note: str = ""
    source: str = ""
    illustrative: bool = False


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

    @property
    def illustrative(self) -> bool:
        """Drawn from a table marked ``# illustrative: yes``: example numbers, not the city's."""
        return self.chart is not None and self.chart.illustrative

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
    """A data CSV with its ``# source:`` / ``# note:`` lines (also ``# 出典：`` / ``# 説明：``, and as Excel saves a
    line typed in cell A1); empty rows are skipped; problems name the line."""
    problems: list[Problem] = []
    try:
        text = read_text(file)
    except ContentError as exc:
        return None, [exc.problem]
    meta: dict[str, str] = {}
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = next(csv.reader(io.StringIO(line)), [])
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or an empty row as Excel saves it (",,,")
        if cells[0].strip().startswith(("#", "＃")) and not any(cell.strip() for cell in cells[1:]):
            comment = cells[0].strip()  # as Excel saves a note typed in cell A1 (quoted, commas after it)
        elif line.startswith(("#", "＃")):
            comment = line
        else:
            rows.append((number, cells))
            continue
        match = _META.match(comment)
        if match:
            key = _META_KEYS.get(match.group(1).lower(), match.group(1).lower())
            meta[key] = match.group(2).strip()
            if key == "url" and not meta["url"].startswith(("https://", "http://")):
                wording = Message("table_url", "'# url:' must start with https:// or http://")
                problems.append(Problem.of(file, number, wording))
    if "source" not in meta:
        wording = Message("table_source", "add a line '# source: …' at the top saying where the numbers come from")
        problems.append(Problem.of(file, 1, wording))
    if "note" not in meta:
        problems.append(
            Problem.of(file, 1, Message("table_note", "add a line '# note: …' at the top saying what the numbers are"))
        )
    if not rows:
        problems.append(Problem.of(file, 1, Message("table_no_header", "the table has no header row")))
        return None, problems
    header_line, header = rows[0]
    header = [name.strip() for name in header]
    if len(set(header)) != len(header) or not all(header):
        wording = Message("table_columns", "column names must be non-empty and different")
        problems.append(Problem.of(file, header_line, wording))
    columns: dict[str, list[str]] = {name: [] for name in header}
    lines: list[int] = []
    for number, row in rows[1:]:
        if len(row) != len(header):
            wording = Message(
                "table_row",
                "this row has {values} values; the header has {columns} columns",
                values=len(row),
                columns=len(header),
            )
            problems.append(Problem.of(file, number, wording))
            continue
        for name, value in zip(header, row, strict=True):
            columns[name].append(value.strip())
        lines.append(number)
    if len(rows) < 2:
        problems.append(Problem.of(file, header_line, Message("table_no_rows", "the table has no data rows")))
    if problems:
        return None, problems
    illustrative = meta.get("illustrative", "").lower() == "yes"
    return Table(columns, meta["source"], meta["note"], meta.get("url", ""), illustrative, tuple(lines)), []


class ChartFile(ContentModel):
    """A fact's chart: ``data`` (a CSV in content/data/: a column per series with ``x``, or a row per series with
    ``rows``) or inline ``labels``/``values``. Validated with the content folder as context (``root``), so a
    missing file, column or row is a problem too."""

    type: str
    title: Annotated[str, short_text(60)]
    data: str | None = None
    x: str | None = None
    rows: str | None = None
    series: dict[str, str | int] | None = None
    labels: list[Any] | None = None
    values: list[float] | None = None
    y_label: Annotated[str, Field(max_length=30)] = ""
    note: Annotated[str, Field(max_length=120)] = ""
    _labels: tuple[str, ...] = PrivateAttr(default=())
    _series: dict[str, tuple[float, ...]] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")
    _url: str = PrivateAttr(default="")
    _illustrative: bool = PrivateAttr(default=False)

    @field_validator("type")
    @classmethod
    def _kind(cls, kind: str) -> str:
        if kind not in ("line", "bar"):
            raise Invalid(Message("chart_type", "{key} must be line or bar"))
        return kind

    @model_validator(mode="after")
    def _data(self, info: ValidationInfo) -> ChartFile:
        if self.data is not None:
            table = _table(self.data, (info.context or {})["root"])
            self._labels, self._series = _series_from_table(self, table)
            self._source, self._url, self._illustrative = table.source, table.url, table.illustrative
        elif self.labels is not None:
            if self.values is None:
                raise Invalid(Message("chart_no_values", "'values' is missing: one number per label"), "labels")
            if len(self.values) != len(self.labels):
                text = Message(
                    "chart_values",
                    "'values' has {values} numbers for {labels} labels",
                    values=len(self.values),
                    labels=len(self.labels),
                )
                raise Invalid(text, "values")
            self._labels, self._series = tuple(str(label) for label in self.labels), {self.title: tuple(self.values)}
        else:
            raise Invalid(
                Message(
                    "chart_no_data", "chart data missing: give 'data' (a CSV in content/data/) or 'labels' and 'values'"
                )
            )
        if self.type == "bar" and len(self._series) > 1:
            raise Invalid(
                Message("chart_bar_series", "a bar chart shows one series; use type: line for several"), "series"
            )
        return self

    def numbers(self) -> tuple[tuple[str, ...], dict[str, tuple[float, ...]]]:
        """The labels and the series, as drawn."""
        return self._labels, self._series

    def table_source(self) -> Source | None:
        """The ``# source:`` (and ``# url:``) of the chart's data table, if it has one."""
        return Source.model_construct(name=self._source, url=self._url) if self._source else None

    def chart(self, source: Source) -> Chart:
        shown = self._source or source.name
        return Chart(
            self.type, self.title, self._labels, self._series, self.y_label, self.note, shown, self._illustrative
        )


def _table(name: str, root: Path) -> Table:
    """The data table ``name`` under ``root``; :class:`Invalid` at ``data`` when it is missing or broken."""
    file = root / "data" / name
    if "/" in name or "\\" in name or not file.is_file():
        raise Invalid(Message("chart_data_missing", "data file '{name}' not found in content/data/", name=name), "data")
    table, problems = read_table(file)
    if table is None:
        text = Message(
            "chart_data_broken", "data file '{name}' has problems: {problem}", name=name, problem=problems[0]
        )
        raise Invalid(text, "data")
    return table


def _series_from_table(spec: ChartFile, table: Table) -> tuple[tuple[str, ...], dict[str, tuple[float, ...]]]:
    """The chart's labels and series from its table; :class:`Invalid` naming the key that is wrong."""
    name = spec.data or ""
    if spec.rows is not None:
        return _rows_from_table(spec, table)
    if spec.x not in table.columns:
        columns = ", ".join(table.columns)
        raise Invalid(Message("chart_x", "'x' must be a column of {name}: {columns}", name=name, columns=columns), "x")
    if not spec.series:
        raise Invalid(
            Message("chart_series", "'series' must map legend labels to columns, e.g. {総人口: total}"), "series"
        )
    series: dict[str, tuple[float, ...]] = {}
    for label, given in spec.series.items():
        column = str(given)
        if column not in table.columns:
            text = Message("chart_column", "column '{column}' is not in {name}", column=column, name=name)
            raise Invalid(text, "series", label)
        cells = table.columns[column]
        series[label] = tuple(_number(table, name, column, row, cells[row], label) for row in range(len(cells)))
    return tuple(table.columns[spec.x]), series


def _rows_from_table(spec: ChartFile, table: Table) -> tuple[tuple[str, ...], dict[str, tuple[float, ...]]]:
    """A wide table: the labels are its year columns, each series one row, found by its ``rows`` column."""
    name, key = spec.data or "", spec.rows or ""
    if spec.x is not None:
        raise Invalid(Message("chart_rows_x", "give 'x' (a column per series) or 'rows' (a row per series)"), "x")
    if key not in table.columns:
        columns = ", ".join(table.columns)
        text = Message("chart_rows", "{key} must be a column of {name}: {columns}", name=name, columns=columns)
        raise Invalid(text, "rows")
    years = [column for column in table.columns if _YEAR.match(unicodedata.normalize("NFKC", column))]
    if not years:
        raise Invalid(Message("chart_rows_years", "{name} has no year columns (2020, 2020年 …)", name=name), "rows")
    if not spec.series:
        text = Message("chart_rows_series", "'series' must map legend labels to rows, e.g. {総人口: '20218'}")
        raise Invalid(text, "series")
    series: dict[str, tuple[float, ...]] = {}
    names = [_row_name(cell) for cell in table.columns[key]]
    for label, given in spec.series.items():
        if _row_name(str(given)) not in names:
            text = Message("chart_row", "no row of {name} has '{row}' in column '{column}'", name=name, row=given)
            raise Invalid(text.with_params(column=key), "series", label)
        row = names.index(_row_name(str(given)))
        series[label] = tuple(_number(table, name, year, row, table.columns[year][row], label) for year in years)
    return tuple(years), series


def _row_name(text: str) -> str:
    """A row's name as compared: width folded, and a code's leading zeros dropped (20218 finds 020218)."""
    text = unicodedata.normalize("NFKC", text).strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


def _number(table: Table, name: str, column: str, row: int, cell: str, label: str) -> float:
    """A cell as a number (``58,000``, full-width digits and the minus sign ``−`` too); :class:`Invalid` naming
    the table's line otherwise."""
    text = unicodedata.normalize("NFKC", cell).replace(",", "").replace("−", "-").strip()
    line = table.lines[row]
    if not text:
        wording = Message("cell_empty", "{name} line {line}: column '{column}' is empty", name=name, line=line)
        raise Invalid(wording.with_params(column=column), "series", label)
    try:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return number
    except ValueError:
        wording = Message("cell_not_number", "{name} line {line}: '{value}' in column '{column}' is not a number")
        raise Invalid(wording.with_params(name=name, line=line, value=cell, column=column), "series", label) from None


class FactFile(ContentModel):
    """A fact file. Its ``text``, ``value`` and ``unit`` may use the placeholders of ``compute`` (see
    :mod:`.compute`); its source may be left to the chart's data table."""

    id: str
    text: Annotated[str, short_text(TEXT_MAX_CHARS)]
    value: object  # a number or a short text
    unit: Annotated[str, Field(max_length=20)] = ""
    year: Annotated[int | None, Field(ge=1900, le=2200)] = None
    source: Source | None = None
    chart: ChartFile | None = None
    compute: ComputeFile | None = None
    _shown: tuple[str, object, str, int | None] = PrivateAttr(default=("", "", "", None))

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise Invalid(Message("fact_id", "{key} must be 2-48 lower-case letters, digits or '-'"))
        return value

    @field_validator("value")
    @classmethod
    def _value(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float | str) or not str(value).strip():
            raise Invalid(Message("fact_value", "{key} must be a number or a short text"))
        return value

    @model_validator(mode="after")
    def _worked_out(self) -> FactFile:
        if self.source is None and (self.chart is None or self.chart.table_source() is None):
            raise Invalid(Message("fact_source", "'source' is missing: name where the fact comes from"), "source")
        values = None
        year = self.year
        if self.compute is not None:
            if self.chart is None:
                raise Invalid(Message("compute_chart", "'compute' works from the chart: add a 'chart:'"), "compute")
            try:
                values = self.compute.values(*self.chart.numbers())
            except Invalid as exc:
                raise Invalid(exc.text, "compute", *exc.at) from None
            if year is None and values["to"].isdigit() and len(values["to"]) == 4:
                year = int(values["to"])  # the year compared with (2035 for 2035年)
        shown = []
        for key in ("text", "value", "unit"):
            given = getattr(self, key)
            try:
                shown.append(fill(given, values) if isinstance(given, str) else given)
            except Invalid as exc:
                raise Invalid(exc.text, key) from None
        self._shown = (shown[0], shown[1], shown[2], year)
        return self

    def fact(self, file: Path) -> Fact:
        """The fact as posted: placeholders filled, the source the file's or its data table's."""
        text, value, unit, year = self._shown
        source = self.source or (self.chart.table_source() if self.chart else None)
        assert source is not None  # _worked_out refuses a fact with neither
        chart = self.chart.chart(source) if self.chart else None
        return Fact(self.id, str(text), _number_text(value), str(unit), year, source, chart, file)


def parse_fact(file: Path, root: Path) -> tuple[Fact | None, list[Problem]]:
    try:
        data = load_yaml(file)
    except ContentError as exc:
        return None, [exc.problem]
    spec, problems = validate(FactFile, data, file, Message("what_fact", "a fact file"), context={"root": root})
    if spec is None:
        return None, problems
    return spec.fact(file), []


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value).strip()


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
            used = Message("duplicate_id", "id '{id}' is already used by {other}", id=fact.id, other=seen[fact.id].name)
            result.problems.append(Problem.of(file, 1, used))
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
