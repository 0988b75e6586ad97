"""Poll templates: YAML files under ``content/polls/`` that the DX office edits.

One file per poll; its name (without ``.yml``) is the poll's id. :func:`check_templates` reports every problem
with ``file:line`` (``kiun content check``); :func:`load_templates` returns the valid ones.

.. code-block:: yaml

    title: DX機運パルス
    intro: 2分で終わる匿名アンケートです。
    anonymous: true            # default; false = named (the message says so)
    period_days: 5             # open for this many business days, the opening day included
    schedule:                  # optional: opened by the poll-open job
      every_n_weeks: 2
      start: 2026-01-05        # weeks are counted from the week of this date
    questions:
      - id: relevance
        type: likert5          # likert5 (1-5), enps (0-10), choice (one option), text (free text, optional)
        text: DXは自分の仕事に関係がある
        core: true             # part of the momentum trend
      - id: department
        type: choice
        text: 所属
        options_from: departments   # or options: [{value: a, label: A}, …] or options: [A, B]
        breakdown: true        # results per option (per department), with the anonymity thresholds
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bot.common.content_files import (
    ContentError,
    ContentModel,
    Invalid,
    Message,
    Problem,
    files,
    load_yaml,
    short_text,
    validate,
)
from bot.common.departments import DepartmentsError, load_departments
from bot.common.paths import content_dir

FOLDER = "polls"
TYPES = ("likert5", "enps", "choice", "text")
SCORED = ("likert5", "enps")
MAX_QUESTIONS = 10
MAX_OPTIONS = 25  # one Slack actions block
MAX_TEXT = 200
MAX_TITLE = 100
MAX_INTRO = 1000
MAX_PERIOD_DAYS = 20
MAX_EVERY_N_WEEKS = 8
COMMENT_LIMIT = 2000  # the longest answer to a text question
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_QUESTION_ID = re.compile(r"^[a-z0-9_]{1,32}$")


class TemplateError(ValueError):
    """A template that is missing or invalid; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for choice
    core: bool = False
    breakdown: bool = False

    @property
    def scored(self) -> bool:
        return self.type in SCORED

    def label(self, value: str) -> str:
        return next((label for option, label in self.options if option == value), value)


@dataclass(frozen=True)
class Cadence:
    every_n_weeks: int
    start: date

    def due(self, day: date) -> bool:
        """Whether ``day`` falls in a week when the poll opens (weeks counted Monday to Sunday from ``start``)."""
        weeks = (_monday(day) - _monday(self.start)).days // 7
        return weeks >= 0 and weeks % self.every_n_weeks == 0


@dataclass(frozen=True)
class PollTemplate:
    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    anonymous: bool = True
    period_days: int = 5
    schedule: Cadence | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def breakdown(self) -> Question | None:
        return next((q for q in self.questions if q.breakdown), None)

    def to_spec(self) -> dict[str, Any]:
        """The template as JSON for a run's snapshot."""
        return {
            "id": self.id,
            "title": self.title,
            "intro": self.intro,
            "anonymous": self.anonymous,
            "period_days": self.period_days,
            "questions": [
                {
                    "id": q.id,
                    "type": q.type,
                    "text": q.text,
                    "options": [list(option) for option in q.options],
                    "core": q.core,
                    "breakdown": q.breakdown,
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> PollTemplate:
        questions = tuple(
            Question(
                q["id"],
                q["type"],
                q["text"],
                tuple((str(v), str(label)) for v, label in q.get("options") or []),
                bool(q.get("core")),
                bool(q.get("breakdown")),
            )
            for q in spec["questions"]
        )
        return cls(
            spec["id"],
            spec["title"],
            questions,
            spec.get("intro", ""),
            bool(spec.get("anonymous", True)),
            int(spec.get("period_days", 5)),
        )


def _monday(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


def templates_dir(root: Path | None = None) -> Path:
    return (root or content_dir()) / FOLDER


def template_files(folder: Path | None = None) -> list[Path]:
    return files(folder or templates_dir(), ".yml", ".yaml")


def load_templates(folder: Path | None = None) -> dict[str, PollTemplate]:
    """The valid templates by id (files with problems are left out; ``kiun content check`` names them)."""
    result = {}
    for path in template_files(folder):
        template, problems = parse_template(path)
        if template is not None and not problems:
            result[template.id] = template
    return result


def get_template(poll_id: str, folder: Path | None = None) -> PollTemplate:
    """The template ``poll_id``; TemplateError naming the problem (unknown id, or the file's first problem)."""
    for path in template_files(folder):
        if path.stem == poll_id:
            template, problems = parse_template(path)
            if problems or template is None:
                raise TemplateError(str(problems[0]))
            return template
    raise TemplateError(f"no poll template {poll_id!r} in {folder or templates_dir()}")


def check_templates(root: Path | None = None) -> list[Problem]:
    """Every problem in ``<root>/polls/*.yml`` (root: the content folder)."""
    folder = (root or content_dir()) / FOLDER
    return [problem for path in template_files(folder) for problem in parse_template(path)[1]]


def parse_template(path: Path) -> tuple[PollTemplate | None, list[Problem]]:
    """The template in ``path`` and the problems found (the template is None when it cannot be built)."""
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return None, [exc.problem]
    what = Message("what_poll", "a poll template")
    spec, problems = validate(PollFile, data, path, what, context={"folder": path.parent})
    if not _ID.match(path.stem):
        text = Message(
            "poll_file_name", "the file name must be 1-32 lower-case letters, digits, - or _ (it is the poll's id)"
        )
        problems.insert(0, Problem.of(path, 1, text))
    if spec is None or problems:
        return None, problems
    return spec.template(path.stem), []


class QuestionFile(ContentModel):
    id: str
    type: str
    text: Annotated[str, short_text(MAX_TEXT)]
    core: bool = False
    breakdown: bool = False
    options: Annotated[list[Any], Field(min_length=2, max_length=MAX_OPTIONS)] | None = None
    options_from: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _QUESTION_ID.match(value):
            raise Invalid(Message("question_id", "{key} must be 1-32 lower-case letters, digits or _"))
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, kind: str) -> str:
        if kind not in TYPES:
            types = ", ".join(TYPES)
            text = Message(
                "question_type", "unknown question type {kind}; use one of: {types}", kind=repr(kind), types=types
            )
            raise Invalid(text)
        return kind

    @field_validator("options")
    @classmethod
    def _options(cls, raw: list[Any]) -> list[tuple[str, str]]:
        options: list[tuple[str, str]] = []
        for index, option in enumerate(raw):
            if isinstance(option, dict):
                value, label = str(option.get("value", "")), str(option.get("label", ""))
            else:
                value = label = str(option)
            if not value.strip() or not label.strip() or len(value) > 32 or ":" in value or len(label) > 60:
                raise Invalid(Message("option", "each option needs a value (≤32, no ':') and a label (≤60)"), index)
            if any(value == known for known, _ in options):
                raise Invalid(Message("option_twice", "option {value} appears twice", value=repr(value)), index)
            options.append((value, label))
        return options

    @field_validator("options_from")
    @classmethod
    def _departments(cls, source: str, info: ValidationInfo) -> list[tuple[str, str]]:
        if source != "departments":
            raise Invalid(Message("options_from", "{key} can only be departments"))
        try:  # the departments.yml next to this polls/ folder
            departments = load_departments((info.context or {})["folder"].parent / "departments.yml")
        except DepartmentsError as exc:  # its own message is in English (bot.common.departments)
            raise Invalid(Message("departments", "{error}", error=str(exc))) from None
        return [(d.id, d.name) for d in departments][:MAX_OPTIONS]

    @model_validator(mode="after")
    def _fits_its_type(self) -> QuestionFile:
        if self.type == "choice" and not (self.options or self.options_from):
            text = Message("choice_options", "a choice question needs options (at least 2) or options_from")
            raise Invalid(text, "options")
        if self.type != "choice" and (self.options is not None or self.options_from is not None):
            text = Message("options_not_choice", "only choice has options")
            raise Invalid(text, "options" if self.options is not None else "options_from")
        if self.core and self.type not in SCORED:
            text = Message("core", "core: true is for likert5 and enps questions (the momentum trend)")
            raise Invalid(text, "core")
        if self.breakdown and self.type != "choice":
            text = Message("breakdown", "breakdown: true is for a choice question (e.g. the department)")
            raise Invalid(text, "breakdown")
        return self

    def question(self) -> Question:
        options = tuple(self.options_from or self.options or ())
        return Question(self.id, self.type, self.text, options, self.core, self.breakdown)


class CadenceFile(ContentModel):
    every_n_weeks: Annotated[int, Field(ge=1, le=MAX_EVERY_N_WEEKS)]
    start: date


class PollFile(ContentModel):
    """A poll template file (its id is the file's name)."""

    title: Annotated[str, short_text(MAX_TITLE)]
    intro: Annotated[str, Field(max_length=MAX_INTRO)] = ""
    anonymous: bool = True
    period_days: Annotated[int, Field(ge=1, le=MAX_PERIOD_DAYS)] = 5
    schedule: CadenceFile | None = None
    questions: Annotated[list[QuestionFile], Field(min_length=1, max_length=MAX_QUESTIONS)]

    @field_validator("questions")
    @classmethod
    def _distinct(cls, questions: list[QuestionFile]) -> list[QuestionFile]:
        for index, question in enumerate(questions):
            if any(earlier.id == question.id for earlier in questions[:index]):
                text = Message("question_twice", "question id {id} appears twice", id=repr(question.id))
                raise Invalid(text, index, "id")
        if sum(question.breakdown for question in questions) > 1:
            raise Invalid(Message("breakdown_twice", "at most one question can have breakdown: true"))
        return questions

    def template(self, poll_id: str) -> PollTemplate:
        schedule = Cadence(self.schedule.every_n_weeks, self.schedule.start) if self.schedule else None
        questions = tuple(question.question() for question in self.questions)
        return PollTemplate(poll_id, self.title, questions, self.intro, self.anonymous, self.period_days, schedule)
