"""Reading the DX office's content files (``content/``) with line numbers, for checkers and loaders.

:func:`parse_yaml` returns :class:`LineDict` / :class:`LineList` (a dict and a list that remember the line of
each key and item), so every problem a checker finds is a :class:`Problem` with ``file:line``. Markdown files
with YAML front matter are split by :func:`split_front_matter`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a content file; printed as ``file:line: message``."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.line}: {self.message}"


class ContentError(Exception):
    """A file that cannot be read at all (bad YAML, bad encoding); carries its :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (editors jump to it), else as is."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


class LineDict(dict):
    """A mapping from YAML that knows where it starts (``line``) and the line of each key."""

    line: int = 1
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML that knows where it starts (``line``) and the line of each item."""

    line: int = 1
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    first_line = 1

    def _line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.first_line


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    data = LineDict()
    data.line, data.lines = loader._line(node), {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data.lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {data.lines[key]})", key_node.start_mark
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = loader._line(key_node)
    return data


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    data = LineList(loader.construct_object(child, deep=True) for child in node.value)
    data.line, data.lines = loader._line(node), [loader._line(child) for child in node.value]
    return data


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, file: Path, first_line: int = 1) -> Any:
    """Parse YAML text (safe types only) whose first line is ``first_line`` of ``file``; mappings and
    sequences come back as :class:`LineDict` / :class:`LineList`. Raises :class:`ContentError`."""
    loader = _Loader(text)
    loader.first_line = first_line
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + first_line if mark else first_line
        reason = " ".join(part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
        raise ContentError(Problem(file, line, f"YAML syntax error: {reason or exc}")) from None
    finally:
        loader.dispose()


def read_text(file: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped); :class:`ContentError` when it is not UTF-8."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        raise ContentError(Problem(file, line, "not UTF-8 text: save the file as UTF-8")) from None


def load_yaml(file: Path) -> Any:
    """Read and parse a YAML file (see :func:`parse_yaml`)."""
    return parse_yaml(read_text(file), file)


def split_front_matter(text: str, file: Path) -> tuple[Any, str, int]:
    """``(front matter, body, first body line)`` of a Markdown file that starts with ``---`` YAML ``---``."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(Problem(file, 1, "the file must start with a line '---' and YAML front matter"))
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            meta = parse_yaml("".join(lines[1:index]), file, first_line=2)
            return meta, "".join(lines[index + 1 :]), index + 2
    raise ContentError(Problem(file, 1, "the front matter is not closed: add a line '---' after it"))


def files(folder: Path, *suffixes: str) -> list[Path]:
    """The files in ``folder`` with one of ``suffixes``, by name (README and hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix in suffixes and not path.name.startswith((".", "_", "README"))
    )


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.file), p.line, p.message))


class FileProblems:
    """Collects the problems of one file, with small typed getters for checkers."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def mapping(self, data: Any, what: str, line: int = 1) -> LineDict | None:
        if isinstance(data, LineDict):
            return data
        self.add(getattr(data, "line", line), f"{what} must be a mapping of 'key: value' lines")
        return None

    def text(self, data: LineDict, key: str, max_chars: int | None = None, required: bool = True) -> str | None:
        """A non-empty string (numbers are not accepted: quote them)."""
        if key not in data:
            if required:
                self.add(data.line, f"'{key}' is missing")
            return None
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.add(data.line_of(key), f"'{key}' must be non-empty text")
            return None
        if max_chars is not None and len(value.strip()) > max_chars:
            self.add(data.line_of(key), f"'{key}' is {len(value.strip())} characters; at most {max_chars}")
        return value.strip()

    def integer(self, data: LineDict, key: str, low: int, high: int, required: bool = True) -> int | None:
        if key not in data:
            if required:
                self.add(data.line, f"'{key}' is missing")
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(data.line_of(key), f"'{key}' must be a whole number from {low} to {high}")
            return None
        return value

    def sequence(self, data: LineDict, key: str, required: bool = True) -> LineList | None:
        if key not in data:
            if required:
                self.add(data.line, f"'{key}' is missing")
            return None
        value = data[key]
        if not isinstance(value, LineList):
            self.add(data.line_of(key), f"'{key}' must be a list ('- item' lines)")
            return None
        return value

    def unknown_keys(self, data: LineDict, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in data:
            if key not in allowed:
                self.add(data.line_of(key), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
