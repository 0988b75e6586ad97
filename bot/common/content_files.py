"""Reading the DX office's content files (``content/``) with line numbers, for checkers and loaders.

:func:`parse_yaml` returns :class:`LineDict` / :class:`LineList` (a dict and a list that remember the line of
each key and item); :func:`validate` checks them with a pydantic :class:`ContentModel`, so every problem a
checker finds is a :class:`Problem` with ``file:line``. Markdown files with YAML front matter are split by
:func:`split_front_matter`.

Each problem is worded by a :class:`Message`: its English text (``Problem.message``) and the key and values that
:func:`bot.content.problems.describe` words it with in the catalogue's language (``content.problem.<key>``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Message:
    """A problem's wording: its catalogue key (below ``content.problem.``), its English text with ``{name}``
    placeholders, and their values; a value may be a :class:`Message` or a :class:`Problem` itself (worded in the
    same language). Like :func:`bot.chat.i18n.t`, the text is formatted only when it has values."""

    __slots__ = ("key", "english", "params")

    def __init__(self, key: str, english: str, /, **params: Any) -> None:
        self.key, self.english, self.params = key, english, params

    def with_params(self, **params: Any) -> Message:
        return Message(self.key, self.english, **self.params, **params)

    def __str__(self) -> str:
        return self.english.format(**self.params) if self.params else self.english

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {str(self)!r})"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a content file; printed as ``file:line: message`` (English). ``key`` and ``params``
    word it in another language (:func:`bot.content.problems.describe`); they take no part in comparisons."""

    file: Path
    line: int
    message: str
    key: str = field(default="", compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, file: Path, line: int, text: Message) -> Problem:
        return cls(file, line, str(text), text.key, text.params)

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


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, first: int, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"key {key!r} appears twice (first on line {first})", mark)
        self.key, self.first = key, first


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
            raise _DuplicateKey(key, data.lines[key], key_node.start_mark)
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
        if isinstance(exc, _DuplicateKey):
            wording = Message(
                "yaml_duplicate_key",
                "YAML syntax error: key {key} appears twice (first on line {first})",
                key=repr(exc.key),
                first=exc.first,
            )
        else:
            reason = " ".join(part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
            wording = Message("yaml_syntax", "YAML syntax error: {reason}", reason=reason or exc)
        raise ContentError(Problem.of(file, line, wording)) from None
    finally:
        loader.dispose()


def read_text(file: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped); :class:`ContentError` when it is not UTF-8."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        raise ContentError(
            Problem.of(file, line, Message("not_utf8", "not UTF-8 text: save the file as UTF-8"))
        ) from None


def load_yaml(file: Path) -> Any:
    """Read and parse a YAML file (see :func:`parse_yaml`)."""
    return parse_yaml(read_text(file), file)


def split_front_matter(text: str, file: Path) -> tuple[Any, str, int]:
    """``(front matter, body, first body line)`` of a Markdown file that starts with ``---`` YAML ``---``."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        wording = Message("front_matter_start", "the file must start with a line '---' and YAML front matter")
        raise ContentError(Problem.of(file, 1, wording))
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            meta = parse_yaml("".join(lines[1:index]), file, first_line=2)
            return meta, "".join(lines[index + 1 :]), index + 2
    wording = Message("front_matter_open", "the front matter is not closed: add a line '---' after it")
    raise ContentError(Problem.of(file, 1, wording))


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


class ContentModel(BaseModel):
    """A content file's schema: YAML types as they are (numbers are not text: quote them), text trimmed,
    unknown keys refused. Validate it with :func:`validate`; a validator raises :class:`Invalid` with the whole
    message, ``{key}`` standing for the key it is about, and may point at a key or item below."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True, frozen=True)


def short_text(max_chars: int) -> Any:
    """Non-empty text (trimmed) of at most ``max_chars`` characters: ``Annotated[str, short_text(60)]``."""
    return Field(min_length=1, max_length=max_chars)


class Invalid(ValueError):
    """A problem found by a validator, worded by ``text`` (``{key}`` in it names the key it is about), about ``at``
    (keys and indexes below the model), e.g. ("answer",)."""

    def __init__(self, text: Message, *at: str | int) -> None:
        super().__init__(text.english)
        self.text = text
        self.at = at


M = TypeVar("M", bound=BaseModel)


def validate(
    model: type[M], data: Any, file: Path, what: Message, context: dict[str, Any] | None = None
) -> tuple[M | None, list[Problem]]:
    """``data`` from :func:`parse_yaml` checked by ``model`` (``what`` names the whole, e.g. "a fact file"):
    the instance, or None and one :class:`Problem` per error, at the line of the key or item it is about."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        problems = [_problem(model, data, file, what, error) for error in exc.errors(include_url=False)]
    return None, sort_problems(dict.fromkeys(problems))


def _problem(model: type[BaseModel], data: Any, file: Path, what: Message, error: Any) -> Problem:
    loc = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, Invalid):
        loc += cause.at
    key = next((part for part in reversed(loc) if isinstance(part, str)), None)
    return Problem.of(file, _line_at(data, loc), _message(model, loc, key, what, error, cause))


def _line_at(data: Any, loc: tuple[str | int, ...]) -> int:
    """The line of the deepest key or item of ``loc`` that ``data`` has (a mapping's: where it starts)."""
    line = getattr(data, "line", 1)
    for part in loc:
        if isinstance(data, LineDict) and isinstance(part, str) and part in data:
            line, data = data.line_of(part), data[part]
            line = data.line if isinstance(data, LineDict) else line
            continue
        if not (isinstance(data, LineList) and isinstance(part, int) and 0 <= part < len(data)):
            break
        line, data = data.line_of(part), data[part]
        line = data.line if isinstance(data, LineDict) else line
    return line


def _message(model: type[BaseModel], loc: tuple, key: str | None, what: Message, error: Any, cause: Any) -> Message:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    name = what
    if key:
        entry = loc and isinstance(loc[-1], int)
        name = Message("name_entry", "each entry of '{key}'", key=key) if entry else Message("name", "'{key}'", key=key)
    if isinstance(cause, Invalid):
        return cause.text.with_params(key=name) if "{key}" in cause.text.english else cause.text
    if isinstance(cause, ValueError):  # a validator that does not word its problem (the English is shown)
        return Message("", str(cause).replace("{key}", str(name)))
    if kind == "missing":
        return Message("missing", "{name} is missing", name=name)
    if kind == "extra_forbidden":
        allowed = ", ".join(_fields(model, loc[:-1]))
        return Message("unknown_key", "unknown key {name} (allowed: {allowed})", name=name, allowed=allowed)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Message("mapping", "{name} must be a mapping of 'key: value' lines", name=name)
    if kind in ("list_type", "tuple_type"):
        return Message("list", "{name} must be a list ('- item' lines)", name=name)
    if kind == "string_too_short" or (kind == "string_type" and value is None):
        return Message("empty_text", "{name} must be non-empty text", name=name)
    if kind == "string_type" and isinstance(value, int | float):
        return Message("text_not_number", "{name} must be text (quote numbers)", name=name)
    if kind == "string_type":
        return Message("text", "{name} must be text", name=name)
    if kind == "string_too_long":
        length, limit = len(value.strip()), ctx["max_length"]
        return Message(
            "text_too_long", "{name} is {length} characters; at most {limit}", name=name, length=length, limit=limit
        )
    if kind == "too_short" and ctx["min_length"] == 1:
        return Message("too_few_one", "{name} needs at least {count} entry", name=name, count=1)
    if kind == "too_short":
        return Message("too_few", "{name} needs at least {count} entries", name=name, count=ctx["min_length"])
    if kind == "too_long":
        count, limit = ctx["actual_length"], ctx["max_length"]
        return Message("too_many", "{name} has {count} entries; at most {limit}", name=name, count=count, limit=limit)
    if kind == "float_type":
        return Message("number", "{name} must be a number", name=name)
    if kind == "bool_type":
        return Message("true_false", "{name} must be true or false", name=name)
    if kind.startswith("date"):
        return Message("date", "{name} must be a date such as 2026-01-05", name=name)
    if kind.startswith(("int", "greater_than", "less_than")):
        bounds = _bounds(model, loc)
        if bounds:
            return Message(
                "whole_number_range",
                "{name} must be a whole number from {low} to {high}",
                name=name,
                low=bounds[0],
                high=bounds[1],
            )
        return Message("whole_number", "{name} must be a whole number", name=name)
    return Message("other", "{name}: {detail}", name=name, detail=error["msg"])


def _model_at(model: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    """The model reached from ``model`` by following ``loc`` through its fields' types (None if none)."""
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = next((kind for kind in _types(field.annotation) if _is_model(kind)), None) if field else None
    return model


def _fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed at ``loc``."""
    found = _model_at(model, loc)
    return sorted(field.alias or name for name, field in found.model_fields.items()) if found else []


def _bounds(model: type[BaseModel], loc: tuple) -> tuple[Any, Any] | None:
    """``(1, 3)`` for a whole-number field at ``loc`` declared with ``ge=1`` and ``le=3``, else None."""
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(loc[-1]) if parent and loc else None
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None) if field else None
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None) if field else None
    return (low, high) if low is not None and high is not None else None


def _types(annotation: Any) -> list[Any]:
    """``annotation`` and every type inside it (``list[Source]``, ``Chart | None`` …)."""
    return [annotation, *(inner for arg in get_args(annotation) for inner in _types(arg))]


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)
