"""Helpers for the idea tests: modal state as Slack sends it, draining the outbox to the Slack stand-in."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.app.core import Core
from bot.delivery.outbox import Sender
from bot.models import Idea, IdeaEvent, OutboxMessage
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport

SELECTS = ("department", "category", "status")


def modal_values(**fields: str | None) -> dict[str, dict[str, Any]]:
    """A view_submission ``state.values`` for the idea forms (text, selects, checkbox, number)."""
    state: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        if name in SELECTS:
            element = {"type": "static_select", "selected_option": {"value": value} if value else None}
        elif name == "anonymous":
            element = {"type": "checkboxes", "selected_options": [{"value": "anonymous"}] if value else []}
        elif name == "hours":
            element = {"type": "number_input", "value": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[name] = {name: element}
    return state


def full_idea(**overrides: str | None) -> dict[str, dict[str, Any]]:
    fields: dict[str, str | None] = {
        "title": "会議資料をペーパーレスにする",
        "problem": "毎週の部長会議で200枚以上を印刷し、差し替えのたびに刷り直しています。",
        "proposal": "資料は共有フォルダに置き、タブレットで閲覧します。",
        "effect": "印刷と配布の手間がなくなります。",
        "hours": "6",
        "department": "somu",
        "category": "paperless",
        "anonymous": None,
    }
    return modal_values(**(fields | overrides))


def drain(core: Core) -> int:
    """Deliver everything due in the outbox through the real Slack transport."""
    return Sender(core, SlackTransport(make_client(core.settings)), rate_per_second=1000).drain()


def ideas(core: Core) -> list[Idea]:
    with core.sessions() as session:
        return list(session.scalars(select(Idea).order_by(Idea.id)))


def events(core: Core, idea_id: int) -> list[tuple[str | None, str, str]]:
    with core.sessions() as session:
        rows = session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.id))
        return [(row.from_status, row.to_status, row.reason) for row in rows]


def outbox_rows(core: Core, prefix: str = "") -> list[OutboxMessage]:
    with core.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if prefix:
            query = query.where(OutboxMessage.key.startswith(prefix))
        return list(session.scalars(query))


def blocks_text(params: dict[str, Any]) -> str:
    """A posted message's text and blocks as one string (for "contains" checks)."""
    blocks = params.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return str(params.get("text", "")) + json.dumps(blocks or [], ensure_ascii=False)
