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
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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


def is_user(channel: str) -> bool:
    """User ids (``U…``, ``W…``) mean a direct message."""
    return channel[:1] in ("U", "W")


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
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _outbox_key(item: dict) -> str | None:
    metadata = item.get("metadata") or {}
    return (metadata.get("event_payload") or {}).get("key") if metadata.get("event_type") == EVENT_TYPE else None


class SlackTransport:
    """Implements the outbox's ``Transport`` (and ``DeliveryCheck``) with a WebClient."""

    def __init__(self, client: WebClient, lang: str = "ja") -> None:
        self.client = client
        self.lang = lang
        self._dm: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, channel: str, reply: Reply, *, key: str) -> str:
        """Post ``reply`` to ``channel`` (a user id means their DM); returns the message ts."""
        try:
            target = self._resolve(channel)
            response = self.client.chat_postMessage(
                channel=target,
                thread_ts=reply.thread_ts,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
                unfurl_links=False,
                **message(reply, self.lang),
            )
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise delivery_error(exc) from exc
        ts = str(response["ts"])
        self._upload(target, reply, ts)
        return ts

    def update(self, channel: str, ref: str, reply: Reply) -> str:
        """Replace the message ``ref`` (its ts) in ``channel`` with ``reply``; returns the ts."""
        try:
            response = self.client.chat_update(channel=self._resolve(channel), ts=ref, **message(reply, self.lang))
        except (SlackApiError, URLError, TimeoutError, ConnectionError) as exc:
            raise delivery_error(exc) from exc
        return str(response.get("ts") or ref)

    def was_delivered(self, channel: str, key: str, since: datetime) -> bool | None:
        """Whether a message with ``key`` is in ``channel`` since ``since``; None when Slack cannot tell us
        (e.g. the ``*:history`` scope is missing, or any error)."""
        try:
            target = self._resolve(channel)
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

    def _resolve(self, channel: str) -> str:
        if not is_user(channel):
            return channel
        with self._lock:
            known = self._dm.get(channel)
        if known:
            return known
        opened = self.client.conversations_open(users=channel)["channel"]["id"]
        with self._lock:
            self._dm[channel] = opened
        return opened

    def _upload(self, channel: str, reply: Reply, ts: str) -> None:
        """Upload the reply's image and file (if any) after its message."""
        uploads = []
        if reply.image and reply.image.data:
            image = reply.image
            uploads.append(
                {"file": image.data, "filename": image.filename, "title": image.title, "alt_txt": image.alt_text}
            )
        if reply.file and reply.file.data:
            uploads.append({"file": reply.file.data, "filename": reply.file.filename, "title": reply.file.title})
        for upload in uploads:
            try:
                self.client.files_upload_v2(channel=channel, thread_ts=reply.thread_ts, **upload)
            except Exception:  # noqa: BLE001 - the message is out; resending it for a file would duplicate it
                log.warning("slack: file %s for message %s was not uploaded", upload["filename"], ts, exc_info=True)
