"""Correctly signed Slack requests (commands, interactions, events) sent over HTTP to a running kiun."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    """Sends what Slack would send to ``url`` (``…/slack/events``), signed with ``signing_secret``."""

    def __init__(self, url: str, signing_secret: str, response_url: str = "") -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.response_url = response_url

    def post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(headers or {}),
        }
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode("utf-8"), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8"), dict(error.headers))

    def command(
        self, command: str, text: str = "", user_id: str = "U_STAFF", channel_id: str = "C_GENERAL", **kwargs: Any
    ) -> Response:
        n = next(_ids)
        form = {
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
            "response_url": f"{self.response_url}/commands/{n}",
            "trigger_id": f"trigger.{n}",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def block_action(
        self,
        action_id: str,
        value: str = "",
        user_id: str = "U_STAFF",
        channel_id: str = "C_GENERAL",
        message_ts: str = "1700000000.000100",
        **kwargs: Any,
    ) -> Response:
        n = next(_ids)
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user_id, "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": f"trigger.{n}",
            "container": {"type": "message"},
            "channel": {"id": channel_id},
            "message": {"ts": message_ts, "text": ""},
            "response_url": f"{self.response_url}/actions/{n}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.interaction(payload, **kwargs)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        user_id: str = "U_STAFF",
        private_metadata: str = "",
        **kwargs: Any,
    ) -> Response:
        payload = {
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
        return self.interaction(payload, **kwargs)

    def event(
        self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None, **kwargs: Any
    ) -> Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(_ids):08d}",
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(body, "application/json", headers=headers, **kwargs)
