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

from bot.common.content_files import (
    ContentError,
    FileProblems,
    LineDict,
    Problem,
    files,
    load_yaml,
    read_text,
    split_front_matter,
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
KEYS = ("id", "title", "tags", "level", "minutes", "quiz", "sources")
QUIZ_KEYS = ("question", "choices", "answer", "explanation")


@dataclass(frozen=True)
class Source:
    name: str
    url: str = ""


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
    report = FileProblems(file)
    try:
        meta, body, body_line = split_front_matter(read_text(file), file)
    except ContentError as exc:
        return None, [exc.problem]
    meta = report.mapping(meta, "the front matter")
    if meta is None:
        return None, report.problems
    report.unknown_keys(meta, KEYS)
    lesson_id = report.text(meta, "id")
    if lesson_id and not ID_PATTERN.match(lesson_id):
        report.add(meta.line_of("id"), "'id' must be 2-48 lower-case letters, digits or '-' (e.g. why-dx-now)")
    title = report.text(meta, "title", TITLE_MAX_CHARS)
    tags = _strings(report, meta, "tags")
    level = report.integer(meta, "level", 1, 3)
    minutes = report.integer(meta, "minutes", 1, 15)
    quiz = _quiz(report, meta)
    sources = _sources(report, meta, "sources")
    text = body.strip()
    if not text:
        report.add(body_line, "the lesson text after the front matter is empty")
    elif len(text) > BODY_MAX_CHARS:
        report.add(body_line, f"the lesson text is {len(text)} characters; at most {BODY_MAX_CHARS}")
    if report.problems or lesson_id is None or title is None or level is None or minutes is None or quiz is None:
        return None, report.problems  # a missing value always comes with its problem
    lesson = Lesson(lesson_id, title, tuple(tags), level, minutes, quiz, tuple(sources), text, file)
    return lesson, []


def _strings(report: FileProblems, data: LineDict, key: str) -> list[str]:
    items = report.sequence(data, key)
    if items is None:
        return []
    if not items:
        report.add(data.line_of(key), f"'{key}' needs at least one entry")
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            report.add(items.line_of(index), f"each entry of '{key}' must be non-empty text")
    return [str(item).strip() for item in items]


def _quiz(report: FileProblems, meta: LineDict) -> Quiz | None:
    if "quiz" not in meta:
        report.add(meta.line, "'quiz' is missing")
        return None
    quiz = report.mapping(meta["quiz"], "'quiz'", meta.line_of("quiz"))
    if quiz is None:
        return None
    report.unknown_keys(quiz, QUIZ_KEYS)
    question = report.text(quiz, "question", QUESTION_MAX_CHARS)
    explanation = report.text(quiz, "explanation", EXPLANATION_MAX_CHARS)
    choices = report.sequence(quiz, "choices")
    texts: list[str] = []
    if choices is not None:
        if not 3 <= len(choices) <= 4:
            report.add(quiz.line_of("choices"), f"'choices' has {len(choices)} entries; a quiz needs 3 or 4")
        for index, choice in enumerate(choices):
            if not isinstance(choice, str) or not choice.strip():
                report.add(choices.line_of(index), "each choice must be non-empty text (quote numbers)")
            elif len(choice.strip()) > CHOICE_MAX_CHARS:
                report.add(choices.line_of(index), f"a choice is {len(choice.strip())} characters; at most 60")
            if choice in choices[:index]:
                report.add(choices.line_of(index), "the same choice appears twice")
            texts.append(str(choice).strip())
    answer = quiz.get("answer")
    if "answer" not in quiz:
        report.add(quiz.line, "'answer' is missing: write the text of the correct choice")
    elif str(answer).strip() not in texts:
        hint = " (write the choice's text, not its number)" if isinstance(answer, int) else ""
        report.add(quiz.line_of("answer"), f"'answer' is not one of the choices{hint}")
    if not (question and explanation and texts) or str(answer).strip() not in texts:
        return None
    return Quiz(question, tuple(texts), texts.index(str(answer).strip()), explanation)


def _sources(report: FileProblems, data: LineDict, key: str) -> list[Source]:
    items = report.sequence(data, key)
    if items is None:
        return []
    if not items:
        report.add(data.line_of(key), f"'{key}' needs at least one source (name, and url when public)")
    sources = []
    for index, item in enumerate(items):
        entry = report.mapping(item, "each source", items.line_of(index))
        if entry is None:
            continue
        report.unknown_keys(entry, ("name", "url"))
        name = report.text(entry, "name", 200)
        url = report.text(entry, "url", 500, required=False) or ""
        if url and not url.startswith(("https://", "http://")):
            report.add(entry.line_of("url"), "'url' must start with https:// or http://")
        if name:
            sources.append(Source(name, url))
    return sources


def parse_curriculum(file: Path) -> tuple[list[tuple[str, int]], list[Problem]]:
    """The ``order`` list of ``curriculum.yml`` as (id, line) pairs, and its problems."""
    report = FileProblems(file)
    try:
        data = report.mapping(load_yaml(file), "curriculum.yml")
    except ContentError as exc:
        return [], [exc.problem]
    order = report.sequence(data, "order") if data is not None else None
    if order is None:
        return [], report.problems
    entries: list[tuple[str, int]] = []
    for index, item in enumerate(order):
        line = order.line_of(index)
        if not isinstance(item, str):
            report.add(line, "each entry of 'order' must be a lesson id")
        elif item in (known for known, _ in entries):
            report.add(line, f"lesson '{item}' is listed twice")
        else:
            entries.append((item, line))
    return entries, report.problems


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
            catalogue.problems.append(
                Problem(file, 2, f"id '{lesson.id}' is already used by {found[lesson.id].file.name}")
            )
            continue
        found[lesson.id] = lesson
    curriculum = folder / CURRICULUM
    if not curriculum.is_file():
        missing = "curriculum.yml is missing: list the lesson ids under 'order:'"
        catalogue.problems.append(Problem(curriculum, 1, missing))
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
            catalogue.problems.append(Problem(curriculum, line, f"no lesson file has id '{lesson_id}'"))
    for lesson in sorted(found.values(), key=lambda lesson: lesson.file.name):
        if lesson.id not in listed:
            catalogue.problems.append(
                Problem(lesson.file, 2, f"lesson '{lesson.id}' is not in curriculum.yml; it is posted after the others")
            )
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
