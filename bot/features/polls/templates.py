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
from typing import Any

from bot.common.content_files import ContentError, LineDict, LineList, Problem, files, load_yaml
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
_TOP_KEYS = {"title", "intro", "anonymous", "period_days", "schedule", "questions"}
_QUESTION_KEYS = {"id", "type", "text", "core", "options", "options_from", "breakdown"}


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


def templates_dir() -> Path:
    return content_dir() / FOLDER


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
    return _Parser(path).template(data)


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def template(self, data: Any) -> tuple[PollTemplate | None, list[Problem]]:
        if not isinstance(data, LineDict):
            self.problem(getattr(data, "line", 1), "a poll template is a mapping with title and questions")
            return None, self.problems
        if not _ID.match(self.path.stem):
            self.problem(1, "the file name must be 1-32 lower-case letters, digits, - or _ (it is the poll's id)")
        for key in data:
            if key not in _TOP_KEYS:
                self.problem(data.line_of(key), f"unknown key {key!r}; allowed: {', '.join(sorted(_TOP_KEYS))}")
        title = self.text(data, "title", MAX_TITLE, required=True)
        intro = self.text(data, "intro", MAX_INTRO)
        anonymous = data.get("anonymous", True)
        if not isinstance(anonymous, bool):
            self.problem(data.line_of("anonymous"), "anonymous must be true or false")
        period = data.get("period_days", 5)
        if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= MAX_PERIOD_DAYS:
            self.problem(data.line_of("period_days"), f"period_days must be a whole number from 1 to {MAX_PERIOD_DAYS}")
            period = 5
        schedule = self.schedule(data)
        questions = self.questions(data)
        if self.problems:
            return None, self.problems
        return PollTemplate(self.path.stem, title, tuple(questions), intro, bool(anonymous), period, schedule), []

    def text(self, data: LineDict, key: str, limit: int, required: bool = False) -> str:
        value = data.get(key, "")
        if value is None or (not isinstance(value, str) and value != ""):
            self.problem(data.line_of(key), f"{key} must be text")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(data.line_of(key), f"{key} is required")
        if len(value) > limit:
            self.problem(data.line_of(key), f"{key} is {len(value)} characters; at most {limit}")
        return value

    def schedule(self, data: LineDict) -> Cadence | None:
        raw = data.get("schedule")
        if raw is None:
            return None
        if not isinstance(raw, LineDict):
            self.problem(data.line_of("schedule"), "schedule must be a mapping with every_n_weeks and start")
            return None
        every = raw.get("every_n_weeks")
        if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= MAX_EVERY_N_WEEKS:
            self.problem(raw.line_of("every_n_weeks"), f"every_n_weeks must be 1 to {MAX_EVERY_N_WEEKS}")
            every = 1
        start = raw.get("start")
        if not isinstance(start, date):
            self.problem(raw.line_of("start"), "start must be a date such as 2026-01-05")
            return None
        for key in raw:
            if key not in ("every_n_weeks", "start"):
                self.problem(raw.line_of(key), f"unknown key {key!r} in schedule; allowed: every_n_weeks, start")
        return Cadence(every, start)

    def questions(self, data: LineDict) -> list[Question]:
        raw = data.get("questions")
        if not isinstance(raw, LineList) or not raw:
            self.problem(data.line_of("questions"), "questions must be a non-empty list")
            return []
        if len(raw) > MAX_QUESTIONS:
            self.problem(raw.line, f"{len(raw)} questions; at most {MAX_QUESTIONS}")
        questions: list[Question] = []
        for index, item in enumerate(raw):
            line = raw.line_of(index)
            if not isinstance(item, LineDict):
                self.problem(line, "each question is a mapping with id, type and text")
                continue
            question = self.question(item)
            if question is None:
                continue
            if any(q.id == question.id for q in questions):
                self.problem(item.line_of("id"), f"question id {question.id!r} appears twice")
            questions.append(question)
        if sum(q.breakdown for q in questions) > 1:
            self.problem(raw.line, "at most one question can have breakdown: true")
        return questions

    def question(self, item: LineDict) -> Question | None:
        for key in item:
            if key not in _QUESTION_KEYS:
                self.problem(item.line_of(key), f"unknown key {key!r}; allowed: {', '.join(sorted(_QUESTION_KEYS))}")
        qid = item.get("id")
        kind = item.get("type")
        if not isinstance(qid, str) or not _QUESTION_ID.match(qid):
            self.problem(item.line_of("id"), "id must be 1-32 lower-case letters, digits or _")
        if kind not in TYPES:
            self.problem(item.line_of("type"), f"unknown question type {kind!r}; use one of: {', '.join(TYPES)}")
        text = self.text(item, "text", MAX_TEXT, required=True)
        options = self.options(item) if kind == "choice" else ()
        if kind != "choice" and ("options" in item or "options_from" in item):
            self.problem(item.line_of("options" if "options" in item else "options_from"), "only choice has options")
        flags = {}
        for key in ("core", "breakdown"):
            value = item.get(key, False)
            if not isinstance(value, bool):
                self.problem(item.line_of(key), f"{key} must be true or false")
            flags[key] = bool(value)
        if flags["core"] and kind not in SCORED:
            self.problem(item.line_of("core"), "core: true is for likert5 and enps questions (the momentum trend)")
        if flags["breakdown"] and kind != "choice":
            self.problem(item.line_of("breakdown"), "breakdown: true is for a choice question (e.g. the department)")
        if not isinstance(qid, str) or kind not in TYPES:
            return None
        return Question(qid, kind, text, options, flags["core"], flags["breakdown"])

    def options(self, item: LineDict) -> tuple[tuple[str, str], ...]:
        source, raw = item.get("options_from"), item.get("options")
        if source is not None:
            if source != "departments":
                self.problem(item.line_of("options_from"), "options_from can only be departments")
                return ()

            try:  # the departments.yml next to this polls/ folder
                departments = load_departments(self.path.parent.parent / "departments.yml")
                return tuple((d.id, d.name) for d in departments)[:MAX_OPTIONS]
            except DepartmentsError as exc:
                self.problem(item.line_of("options_from"), str(exc))
                return ()
        if not isinstance(raw, LineList) or len(raw) < 2:
            self.problem(item.line_of("options"), "a choice question needs options (at least 2) or options_from")
            return ()
        if len(raw) > MAX_OPTIONS:
            self.problem(raw.line, f"{len(raw)} options; at most {MAX_OPTIONS}")
        options: list[tuple[str, str]] = []
        for index, option in enumerate(raw):
            if isinstance(option, LineDict):
                value, label = str(option.get("value", "")), str(option.get("label", ""))
            else:
                value = label = str(option)
            if not value.strip() or not label.strip() or len(value) > 32 or ":" in value or len(label) > 60:
                self.problem(raw.line_of(index), "each option needs a value (≤32, no ':') and a label (≤60)")
                continue
            if any(value == known for known, _ in options):
                self.problem(raw.line_of(index), f"option {value!r} appears twice")
            options.append((value, label))
        return tuple(options)
