"""Posting replies to Slack for the delivery outbox (and for listeners that answer outside an ack).

Each message carries Slack message metadata ``{"event_type": "kiun_outbox", "event_payload": {"key": …}}`` so
that after a crash :meth:`SlackTransport.was_delivered` can look for it in the channel's history. Images are
and files are uploaded after the message with ``files_upload_v2``; a failed upload is logged and does not resend
the message. :meth:`SlackTransport.update` edits a posted message (``chat.update``) for outbox edit rows.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat.address import Address, Channel, Conversation, Thread, User
from bot.chat.capabilities import Capabilities
from bot.chat.reply import Reply
from bot.delivery.outbox import PermanentDeliveryError, TransientDeliveryError
from bot.platforms.slack.blocks import message

log = logging.getLogger(__name__)

EVENT_TYPE = "kiun_outbox"
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
HISTORY_PAGES = 5
# Look this much further back than the claim: Slack's clock (message ts) may be behind ours; matching the key
# makes the wider window harmless, a too-narrow one would resend a message that went out.
CLOCK_SKEW_SECONDS = 300
PLATFORM = "slack"
CAPABILITIES = Capabilities(
    ephemeral=True, home_view=True, modal_form=True, threads=True, file_upload=True, message_update=True
)


def user(user_id: str) -> User:
    return User(platform=PLATFORM, id=user_id)


def channel(channel_id: str) -> Channel:
    return Channel(platform=PLATFORM, id=channel_id)


def thread(channel_id: str, ts: str) -> Thread:
    """The thread whose root message is ``ts`` in ``channel_id``."""
    return Thread(channel=channel(channel_id), id=ts)


def delivery_error(exc: Exception) -> Exception:
    """A Slack or network failure as the outbox's Transient/PermanentDeliveryError."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = response.get("error", "") if isinstance(response.data, dict) else ""
        if response.status_code == 429 or response.status_code >= 500 or error in TRANSIENT_ERRORS:
            retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after")
            return TransientDeliveryError(f"slack: {error or response.status_code}", _seconds(retry_after))
        return PermanentDeliveryError(f"slack: {error or response.status_code}")
    return TransientDeliveryError(f"network: {type(exc).__name__}: {exc}")


def _seconds(value: object) -> float | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not isinstance(value, str | int | float):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _outbox_key(item: dict) -> str | None:
    metadata = item.get("metadata") or {}
    return (metadata.get("event_payload") or {}).get("key") if metadata.get("event_type") == EVENT_TYPE else None


class SlackTransport:
    """Implements the outbox's ``Transport`` (and ``DeliveryCheck``) with a WebClient."""

    capabilities = CAPABILITIES

    def __init__(self, client: WebClient, lang: str = "ja") -> None:
        self.client = client
        self.lang = lang
        self._dm: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, to: Address, reply: Reply, *, key: str) -> str:
        """Post ``reply`` to ``to`` (a user: their DM); returns the message ts."""
        thread_ts = to.id if isinstance(to, Thread) else None
        try:
            target = self._resolve(to)
            response = self.client.chat_postMessage(
                channel=target,
                thread_ts=thread_ts,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
                unfurl_links=False,
                **message(reply, self.lang),
            )
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise delivery_error(exc) from exc
        ts = str(response["ts"])
        self._upload(target, thread_ts, reply, ts)
        return ts

    def update(self, to: Address, ref: str, reply: Reply) -> str:
        """Replace the message ``ref`` (its ts) at ``to`` with ``reply``; returns the ts."""
        try:
            response = self.client.chat_update(channel=self._resolve(to), ts=ref, **message(reply, self.lang))
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise delivery_error(exc) from exc
        return str(response.get("ts") or ref)

    def was_delivered(self, to: Address, key: str, since: datetime) -> bool | None:
        """Whether a message with ``key`` is in ``to``'s channel since ``since``; None when Slack cannot tell us
        (e.g. the ``*:history`` scope is missing, or any error)."""
        try:
            target = self._resolve(to)
            oldest = f"{since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = self.client.conversations_history(
                    channel=target, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
                )
                for item in page.get("messages") or []:
                    if _outbox_key(item) == key:
                        return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
            return None
        except Exception:  # noqa: BLE001 - cannot tell: the outbox marks the row unknown
            log.info("slack: cannot check delivery of %s", key, exc_info=True)
            return None

    def _resolve(self, to: Address) -> str:
        """The Slack channel id for ``to``: a user's DM is opened (once per user and process)."""
        if isinstance(to, Conversation):
            raise PermanentDeliveryError("slack: a stored conversation reference is not a Slack address")
        if isinstance(to, Thread):
            return to.channel.id
        if isinstance(to, Channel):
            return to.id
        with self._lock:
            known = self._dm.get(to.id)
        if known:
            return known
        opened = self.client.conversations_open(users=to.id)["channel"]["id"]
        with self._lock:
            self._dm[to.id] = opened
        return opened

    def _upload(self, channel: str, thread_ts: str | None, reply: Reply, ts: str) -> None:
        """Upload the reply's image and file (if any) after its message."""
        uploads: list[dict[str, Any]] = []
        if reply.image and reply.image.data:
            image = reply.image
            uploads.append(
                {"file": image.data, "filename": image.filename, "title": image.title, "alt_txt": image.alt_text}
            )
        if reply.file and reply.file.data:
            uploads.append({"file": reply.file.data, "filename": reply.file.filename, "title": reply.file.title})
        for upload in uploads:
            try:
                self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, **upload)
            except Exception:  # noqa: BLE001 - the message is out; resending it for a file would duplicate it
                log.warning("slack: file %s for message %s was not uploaded", upload["filename"], ts, exc_info=True)
