"""What Slack sends for a slash command, a button, a modal submission and an event, as the payload dicts that travel
signed over HTTP (tests/fakes/signing.py) or inside a Socket Mode envelope (tests/fakes/slack_socket.py)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)


def command(
    command: str, text: str = "", user_id: str = "U_STAFF", channel_id: str = "C_GENERAL", response_url: str = ""
) -> dict[str, str]:
    """A slash command; its ``response_url`` is ``{response_url}/commands/N`` (the stand-in records those posts)."""
    n = next(_ids)
    return {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "city",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "response_url": f"{response_url}/commands/{n}",
        "trigger_id": f"trigger.{n}",
    }


def block_action(
    action_id: str,
    value: str = "",
    user_id: str = "U_STAFF",
    channel_id: str = "C_GENERAL",
    message_ts: str = "1700000000.000100",
    response_url: str = "",
) -> dict[str, Any]:
    """A button pressed in a message; its ``response_url`` is ``{response_url}/actions/N``."""
    n = next(_ids)
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user_id, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"trigger.{n}",
        "container": {"type": "message"},
        "channel": {"id": channel_id},
        "message": {"ts": message_ts, "text": ""},
        "response_url": f"{response_url}/actions/{n}",
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b1", "value": value, "action_ts": str(time.time())}
        ],
    }


def view_submission(
    callback_id: str, values: dict[str, dict[str, Any]], user_id: str = "U_STAFF", private_metadata: str = ""
) -> dict[str, Any]:
    """A submitted modal with ``values`` as its ``state.values``."""
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user_id, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"trigger.{next(_ids)}",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        },
    }


def event(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """The Events API wrapper around ``event``."""
    return {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }


def mention(text: str = "<@UBOT> こんにちは", **extra: Any) -> dict[str, Any]:
    """An ``app_mention`` event in #general."""
    where = {"user": "U_STAFF", "channel": "C_GENERAL", "ts": "1700000001.000100"}
    return {"type": "app_mention", **where, "text": text} | extra


def dm(text: str = "こんにちは", **extra: Any) -> dict[str, Any]:
    """A ``message.im`` event: a DM to the bot."""
    return {"type": "message", "channel_type": "im", "channel": "D_STAFF", "user": "U_STAFF", "text": text} | extra
