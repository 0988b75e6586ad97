"""The ideas' buttons and forms."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from bot.chat.actions import Action, Id, Key, int_or_text


class _OneIdea(Action):
    """A button or form about one idea; an old one's payload is the idea's number."""

    idea: Id

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        return {"idea": int_or_text(text)}


class IdeaVote(_OneIdea):
    """Vote for an idea: the post's button toggles; ``add`` (a similar idea's button) only adds."""

    name = "idea_vote"
    add: bool = False

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        return {"idea": int_or_text(text.removeprefix("vote:")), "add": text.startswith("vote:")}


class IdeaShow(_OneIdea):
    name = "idea_show"


class IdeaDetails(_OneIdea):
    """Open the form to revise one's own idea."""

    name = "idea_details"
    opens_form = True


class IdeaStatus(_OneIdea):
    """Open the status form (admins and champions)."""

    name = "idea_status"
    opens_form = True


class IdeaDraft(Action):
    """Submit a draft kept while similar ideas were shown."""

    name = "idea_draft"
    draft: Id

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        return {"draft": int_or_text(text)}


class IdeaNew(Action):
    """Open the proposal form."""

    name = "idea_new"
    opens_form = True


ListView = Literal["new", "top", "mine", "status", "dept", "search", "pick_status", "pick_dept"]


class IdeaList(Action):
    """A list of ideas (``arg``: the status, department id or search words), or a picker for one."""

    name = "idea_list"
    view: ListView
    arg: Annotated[str, Field(max_length=100)] = ""
    page: Annotated[int, Field(ge=1, le=100_000)] = 1

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        """``view|page|arg``; a page that is not a number is the first."""
        view, _, rest = text.partition("|")
        page, _, arg = rest.partition("|")
        return {"view": view, "page": int_or_text(page) if page.isdecimal() else 1, "arg": arg}


class IdeaSubmit(Action):
    """The proposal form."""

    name = "idea_submit"


class IdeaEdit(_OneIdea):
    """The form revising an idea."""

    name = "idea_edit"


class IdeaStatusForm(Action):
    """The status form; ``expected`` is the status it was opened on (a change meanwhile is refused)."""

    name = "idea_status"
    opens_form = True
    idea: Id
    expected: Key | None = None

    @classmethod
    def from_text(cls, text: str, name: str) -> Any:
        idea, _, expected = text.partition(":")
        return {"idea": int_or_text(idea), "expected": expected or None}
