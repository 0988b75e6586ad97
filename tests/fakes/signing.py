"""Correctly signed Slack requests (commands, interactions, events) sent over HTTP to a running kiun."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes import slack_payloads as payloads


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
        form = payloads.command(command, text, user_id, channel_id, self.response_url)
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
        payload = payloads.block_action(action_id, value, user_id, channel_id, message_ts, self.response_url)
        return self.interaction(payload, **kwargs)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        user_id: str = "U_STAFF",
        private_metadata: str = "",
        **kwargs: Any,
    ) -> Response:
        return self.interaction(payloads.view_submission(callback_id, values, user_id, private_metadata), **kwargs)

    def event(
        self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None, **kwargs: Any
    ) -> Response:
        body = json.dumps(payloads.event(event, event_id))
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(body, "application/json", headers=headers, **kwargs)
