"""Lesson content: Markdown files with YAML front matter under ``content/lessons/``, in curriculum order.

A lesson file::

    ---
    id: why-dx-now
    title: なぜ今DXなのか
    tags: [人口減少]
    level: 1            # 1 入門, 2 基本, 3 応用
    minutes: 3
    quiz:
      question: …
      choices: [… , … , …]   # 3 or 4
      answer: …              # the text of the correct choice
      explanation: …
    sources:
      - name: …
        url: https://…       # optional
    ---
    body (Markdown, at most 1,200 characters)

``curriculum.yml`` lists the ids in posting order. :func:`load_lessons` keeps every valid lesson and reports the
broken ones as :class:`Problem` s (``kiun content check`` prints them), so one bad file never stops the rest.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from bot.common.content_files import (
    ContentError,
    ContentModel,
    Invalid,
    LineDict,
    LineList,
    Message,
    Problem,
    files,
    load_yaml,
    read_text,
    short_text,
    split_front_matter,
    validate,
)
from bot.common.paths import content_dir

log = logging.getLogger(__name__)

BODY_MAX_CHARS = 1200
TITLE_MAX_CHARS = 60
CHOICE_MAX_CHARS = 60  # a Slack button label holds 75
QUESTION_MAX_CHARS = 300
EXPLANATION_MAX_CHARS = 600
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
LEVELS = {1: "入門", 2: "基本", 3: "応用"}
CURRICULUM = "curriculum.yml"


class Source(ContentModel):
    """Where a lesson's or a fact's content comes from."""

    name: Annotated[str, short_text(200)]
    url: Annotated[str, Field(max_length=500)] = ""

    @field_validator("url")
    @classmethod
    def _public_address(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise Invalid(Message("url", "{key} must start with https:// or http://"))
        return url


class QuizFile(ContentModel):
    question: Annotated[str, short_text(QUESTION_MAX_CHARS)]
    choices: list[Annotated[str, short_text(CHOICE_MAX_CHARS)]]
    answer: object  # the text of the correct choice
    explanation: Annotated[str, short_text(EXPLANATION_MAX_CHARS)]

    @field_validator("choices")
    @classmethod
    def _three_or_four(cls, choices: list[str]) -> list[str]:
        if not 3 <= len(choices) <= 4:
            raise Invalid(Message("quiz_choices", "{key} has {count} entries; a quiz needs 3 or 4", count=len(choices)))
        for index, choice in enumerate(choices):
            if choice in choices[:index]:
                raise Invalid(Message("quiz_same_choice", "the same choice appears twice"), index)
        return choices

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> QuizFile:
        if str(self.answer).strip() not in self.choices:
            if isinstance(self.answer, int):
                text = Message(
                    "quiz_answer_number", "'answer' is not one of the choices (write the choice's text, not its number)"
                )
            else:
                text = Message("quiz_answer", "'answer' is not one of the choices")
            raise Invalid(text, "answer")
        return self


class LessonFile(ContentModel):
    """A lesson file's front matter."""

    id: str
    title: Annotated[str, short_text(TITLE_MAX_CHARS)]
    tags: Annotated[list[Annotated[str, short_text(60)]], Field(min_length=1)]
    level: Annotated[int, Field(ge=1, le=3)]
    minutes: Annotated[int, Field(ge=1, le=15)]
    quiz: QuizFile
    sources: Annotated[list[Source], Field(min_length=1)]

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise Invalid(
                Message("lesson_id", "{key} must be 2-48 lower-case letters, digits or '-' (e.g. why-dx-now)")
            )
        return value


@dataclass(frozen=True)
class Quiz:
    question: str
    choices: tuple[str, ...]
    answer: int  # index into choices
    explanation: str


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    tags: tuple[str, ...]
    level: int
    minutes: int
    quiz: Quiz
    sources: tuple[Source, ...]
    body: str
    file: Path


@dataclass
class Catalogue:
    """The valid lessons in curriculum order, and the problems found on the way."""

    lessons: list[Lesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def position(self, lesson_id: str) -> int:
        """1-based place in the curriculum (0 when unknown)."""
        return next((index + 1 for index, lesson in enumerate(self.lessons) if lesson.id == lesson_id), 0)


def lessons_dir(root: Path | None = None) -> Path:
    return (root or content_dir()) / "lessons"


def parse_lesson(file: Path) -> tuple[Lesson | None, list[Problem]]:
    """One lesson file: the lesson (None when it has errors) and its problems."""
    try:
        meta, body, body_line = split_front_matter(read_text(file), file)
    except ContentError as exc:
        return None, [exc.problem]
    spec, problems = validate(LessonFile, meta, file, Message("what_front_matter", "the front matter"))
    text = body.strip()
    if not text:
        empty = Message("lesson_body_empty", "the lesson text after the front matter is empty")
        problems.append(Problem.of(file, body_line, empty))
    elif len(text) > BODY_MAX_CHARS:
        long = Message(
            "lesson_body_long",
            "the lesson text is {length} characters; at most {limit}",
            length=len(text),
            limit=BODY_MAX_CHARS,
        )
        problems.append(Problem.of(file, body_line, long))
    if spec is None or problems:
        return None, problems
    quiz = spec.quiz
    answer = quiz.choices.index(str(quiz.answer).strip())
    lesson = Lesson(
        spec.id,
        spec.title,
        tuple(spec.tags),
        spec.level,
        spec.minutes,
        Quiz(quiz.question, tuple(quiz.choices), answer, quiz.explanation),
        tuple(spec.sources),
        text,
        file,
    )
    return lesson, []


class Curriculum(ContentModel):
    """``curriculum.yml``: the lesson ids in posting order."""

    order: list[str]

    @field_validator("order")
    @classmethod
    def _once_each(cls, order: list[str]) -> list[str]:
        for index, lesson_id in enumerate(order):
            if lesson_id in order[:index]:
                raise Invalid(Message("curriculum_twice", "lesson '{id}' is listed twice", id=lesson_id), index)
        return order


def parse_curriculum(file: Path) -> tuple[list[tuple[str, int]], list[Problem]]:
    """The ``order`` list of ``curriculum.yml`` as (id, line) pairs, and its problems; the usable entries are
    kept even when others are wrong, so one typo does not reorder the posts."""
    try:
        data = load_yaml(file)
    except ContentError as exc:
        return [], [exc.problem]
    problems = validate(Curriculum, data, file, Message("what_curriculum", "curriculum.yml"))[1]
    order = data.get("order") if isinstance(data, LineDict) else None
    lines: dict[str, int] = {}
    if isinstance(order, LineList):
        for index, item in enumerate(order):
            if isinstance(item, str):
                lines.setdefault(item, order.line_of(index))
    return list(lines.items()), problems


def build_catalogue(root: Path | None = None) -> Catalogue:
    """Read every lesson and the curriculum; broken lessons are left out and reported."""
    folder = lessons_dir(root)
    catalogue = Catalogue()
    found: dict[str, Lesson] = {}
    for file in files(folder, ".md"):
        lesson, problems = parse_lesson(file)
        catalogue.problems += problems
        if lesson is None:
            continue
        if lesson.id in found:
            used = Message(
                "duplicate_id", "id '{id}' is already used by {other}", id=lesson.id, other=found[lesson.id].file.name
            )
            catalogue.problems.append(Problem.of(file, 2, used))
            continue
        found[lesson.id] = lesson
    curriculum = folder / CURRICULUM
    if not curriculum.is_file():
        missing = Message("curriculum_missing", "curriculum.yml is missing: list the lesson ids under 'order:'")
        catalogue.problems.append(Problem.of(curriculum, 1, missing))
        order: list[tuple[str, int]] = []
    else:
        order, problems = parse_curriculum(curriculum)
        catalogue.problems += problems
    listed = {lesson_id for lesson_id, _ in order}
    broken_ids = _ids_of_broken(folder, found)
    for lesson_id, line in order:
        if lesson_id in found:
            catalogue.lessons.append(found[lesson_id])
        elif lesson_id not in broken_ids:
            unknown = Message("curriculum_unknown", "no lesson file has id '{id}'", id=lesson_id)
            catalogue.problems.append(Problem.of(curriculum, line, unknown))
    for lesson in sorted(found.values(), key=lambda lesson: lesson.file.name):
        if lesson.id not in listed:
            unlisted = Message(
                "curriculum_unlisted",
                "lesson '{id}' is not in curriculum.yml; it is posted after the others",
                id=lesson.id,
            )
            catalogue.problems.append(Problem.of(lesson.file, 2, unlisted))
            catalogue.lessons.append(lesson)
    return catalogue


def _ids_of_broken(folder: Path, found: dict[str, Lesson]) -> set[str]:
    """Ids written in lesson files that failed to load (their own problem is reported already)."""
    pattern = re.compile(r"^id:\s*['\"]?([\w-]+)", re.MULTILINE)
    ids = set()
    for file in files(folder, ".md"):
        match = pattern.search(file.read_text(encoding="utf-8", errors="replace"))
        if match and match.group(1) not in found:
            ids.add(match.group(1))
    return ids


def check_lessons(root: Path) -> list[Problem]:
    """The ``kiun content check`` checker for lessons."""
    return build_catalogue(root).problems


_cache: dict[Path, tuple[tuple, Catalogue]] = {}
_cache_lock = threading.Lock()


def catalogue(root: Path | None = None) -> Catalogue:
    """The lessons, re-read when a file under ``lessons/`` changes; new problems are logged once."""
    folder = lessons_dir(root)
    stamp = tuple((path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in files(folder, ".md", ".yml"))
    with _cache_lock:
        cached = _cache.get(folder)
        if cached and cached[0] == stamp:
            return cached[1]
    result = build_catalogue(root)
    for problem in result.problems:
        log.warning("lesson content problem: %s", problem, extra={"file": str(problem.file), "line": problem.line})
    with _cache_lock:
        _cache[folder] = (stamp, result)
    return result


_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_STAR_BULLET = re.compile(r"^\*\s+", re.MULTILINE)


def to_markup(markdown: str) -> str:
    """A lesson's Markdown (headings, **bold**, links, bullets) as reply markup: headings bold, bullets ``- ``."""
    return _STAR_BULLET.sub("- ", _HEADING.sub(lambda m: f"**{m.group(1).strip()}**", markdown))
