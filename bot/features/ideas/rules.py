"""What an idea is made of: statuses and their transitions, categories, limits, and input validation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from bot.chat.i18n import t
from bot.common.departments import find_department
from bot.common.text import truncate
from bot.features.ideas.models import IdeaStatus

TITLE_MAX = 80
BODY_MAX = 3000
REASON_MAX = 1000
HOURS_MAX = 10000

STATUSES = tuple(IdeaStatus)  # for membership tests on plain strings (``in IdeaStatus`` raises on Python 3.11)
# Who may go where: the DX office's usual path 受付 → 検討中 → 採用/一部採用/不採用/差し戻し → 実施済, plus
# reopening. A returned idea goes back to 受付 when its proposer revises it (see store.edit_idea).
TRANSITIONS: dict[str, tuple[IdeaStatus, ...]] = {
    IdeaStatus.RECEIVED: (
        IdeaStatus.REVIEWING,
        IdeaStatus.ADOPTED,
        IdeaStatus.PARTIAL,
        IdeaStatus.REJECTED,
        IdeaStatus.RETURNED,
    ),
    IdeaStatus.REVIEWING: (IdeaStatus.ADOPTED, IdeaStatus.PARTIAL, IdeaStatus.REJECTED, IdeaStatus.RETURNED),
    IdeaStatus.RETURNED: (IdeaStatus.REVIEWING, IdeaStatus.REJECTED),
    IdeaStatus.ADOPTED: (IdeaStatus.DONE, IdeaStatus.REVIEWING),
    IdeaStatus.PARTIAL: (IdeaStatus.DONE, IdeaStatus.REVIEWING),
    IdeaStatus.REJECTED: (IdeaStatus.REVIEWING,),
    IdeaStatus.DONE: (),
}
REASON_REQUIRED = (IdeaStatus.REJECTED, IdeaStatus.RETURNED)
EDITABLE = (IdeaStatus.RECEIVED, IdeaStatus.RETURNED)  # the proposer may still revise the text

CATEGORIES = ("paperless", "counter", "genai", "lowcode", "data", "process", "other")

_MEANINGFUL = re.compile(r"\w")
FIELDS = ("title", "problem", "proposal", "effect", "hours", "department", "category", "anonymous")


def status_label(status: str, lang: str = "ja") -> str:
    return t(f"idea.status.{status}", lang)


def category_label(category: str, lang: str = "ja") -> str:
    return t(f"idea.category.{category}", lang) if category in CATEGORIES else category


def find_status(text: str) -> str | None:
    """The status whose id or Japanese/English label is ``text``."""
    wanted = _fold(text)
    for status in STATUSES:
        if wanted in (status, _fold(t(f"idea.status.{status}", "ja")), _fold(t(f"idea.status.{status}", "en"))):
            return status
    return None


def is_meaningful(text: str) -> bool:
    """True when ``text`` has a letter, digit, kana or kanji (not only spaces and punctuation)."""
    return bool(_MEANINGFUL.search(unicodedata.normalize("NFKC", text or "")))


@dataclass
class IdeaFields:
    """The text of an idea as its proposer wrote it."""

    title: str
    proposal: str = ""
    problem: str = ""
    effect: str = ""
    hours_saved: int | None = None
    department: str | None = None
    category: str = "other"
    anonymous: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IdeaFields:
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})

    def form_values(self) -> dict[str, str]:
        """The fields as form input values (to fill a form in again)."""
        return {
            "title": self.title,
            "problem": self.problem,
            "proposal": self.proposal,
            "effect": self.effect,
            "hours": "" if self.hours_saved is None else str(self.hours_saved),
            "department": self.department or "",
            "category": self.category,
            "anonymous": "anonymous" if self.anonymous else "",
        }


def parse_quick(text: str) -> IdeaFields:
    """``/idea <text>``: the first line is the title, the rest the proposal.

    A first line longer than the title limit is shortened for the title and the whole text kept as the proposal,
    so nothing typed is lost.
    """
    text = text.strip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) > TITLE_MAX:
        return IdeaFields(title=truncate(first, TITLE_MAX), proposal=text)
    return IdeaFields(title=first, proposal=rest.strip())


def validate(values: dict[str, str], lang: str = "ja") -> tuple[IdeaFields | None, dict[str, str]]:
    """Form values → fields, or the errors to show in place (input name → message)."""
    errors: dict[str, str] = {}
    text = {name: (values.get(name) or "").strip() for name in FIELDS}
    for name, limit, required in (
        ("title", TITLE_MAX, True),
        ("problem", BODY_MAX, True),
        ("proposal", BODY_MAX, True),
        ("effect", BODY_MAX, False),
    ):
        if required and not is_meaningful(text[name]):
            errors[name] = t("error.required", lang)
        elif len(text[name]) > limit:
            errors[name] = t("error.too_long", lang, length=len(text[name]), limit=limit)
    hours = None
    if text["hours"]:
        plain = unicodedata.normalize("NFKC", text["hours"])
        if not plain.isdecimal() or not 0 <= int(plain) <= HOURS_MAX:
            errors["hours"] = t("idea.error.hours", lang, limit=HOURS_MAX)
        else:
            hours = int(plain)
    department = None
    if text["department"]:
        found = find_department(text["department"])
        if found is None:
            errors["department"] = t("error.invalid_option", lang)
        else:
            department = found.id
    category = text["category"] or "other"
    if category not in CATEGORIES:
        errors["category"] = t("error.invalid_option", lang)
    if errors:
        return None, errors
    fields = IdeaFields(
        title=text["title"],
        problem=text["problem"],
        proposal=text["proposal"],
        effect=text["effect"],
        hours_saved=hours,
        department=department,
        category=category,
        anonymous=text["anonymous"] in ("anonymous", "true"),
    )
    return fields, {}


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
