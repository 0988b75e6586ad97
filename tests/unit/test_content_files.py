"""bot.common.content_files.validate: a pydantic model's errors as problems at the line of their key or item."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from bot.common.content_files import ContentModel, Invalid, Message, Problem, parse_yaml, short_text, validate

FILE = Path("content/things/one.yml")
WHAT = Message("what_thing", "a thing file")


class Part(ContentModel):
    name: Annotated[str, short_text(10)]
    size: Annotated[int, Field(ge=1, le=9)] = 1


class Thing(ContentModel):
    id: str
    parts: Annotated[list[Part], Field(min_length=1)]
    tags: list[str] = []

    @field_validator("id")
    @classmethod
    def _lower(cls, value: str) -> str:
        if value != value.lower():
            raise Invalid(Message("lower", "{key} must be lower case"))
        return value

    @model_validator(mode="after")
    def _distinct(self) -> Thing:
        names = [part.name for part in self.parts]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise Invalid(Message("twice", "part '{name}' appears twice", name=name), "parts", index, "name")
        return self


def problems(text: str) -> list[tuple[int, str]]:
    thing, found = validate(Thing, parse_yaml(text, FILE), FILE, WHAT)
    assert (thing is None) == bool(found)
    assert all(isinstance(problem, Problem) and problem.file == FILE for problem in found)
    return [(problem.line, problem.message) for problem in found]


def test_a_valid_file_gives_the_model_with_text_trimmed() -> None:
    thing, found = validate(Thing, parse_yaml("id: a\nparts:\n  - name: ' wheel '\n", FILE), FILE, WHAT)
    assert found == [] and thing.parts == [Part(name="wheel", size=1)]


def test_each_error_is_at_the_line_of_its_key_or_item() -> None:
    text = "id: A\nparts:\n  - name: wheel\n    size: 12\n  - name: ''\ntags: [ok, 7]\ncolour: red\n"
    assert problems(text) == [
        (1, "'id' must be lower case"),
        (4, "'size' must be a whole number from 1 to 9"),
        (5, "'name' must be non-empty text"),
        (6, "each entry of 'tags' must be text (quote numbers)"),
        (7, "unknown key 'colour' (allowed: id, parts, tags)"),
    ]


def test_missing_keys_point_at_their_mapping_and_model_checks_at_what_they_name() -> None:
    assert problems("id: a\nparts:\n  - size: 2\n") == [(3, "'name' is missing")]
    assert problems("id: a\nparts: []\n") == [(2, "'parts' needs at least 1 entry")]
    assert problems("id: a\nparts:\n  - name: x\n  - name: x\n") == [(4, "part 'x' appears twice")]
    assert problems("- just a list\n") == [(1, "a thing file must be a mapping of 'key: value' lines")]
    assert problems("id: a\nparts:\n  - name: elevenchars\n") == [(3, "'name' is 11 characters; at most 10")]
