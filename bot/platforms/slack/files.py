"""Files people share with the bot in a DM: downloaded with the bot token into a temporary folder for the
handler (:func:`bot.chat.files.downloaded`: ``file:<name>`` → local path, ``file_error:<name>`` → reason).

The token is only ever sent to Slack's file host or to the host of ``SLACK_API_URL`` (tests: the stand-in),
never to another host named in an event or a redirect.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from slack_sdk import WebClient

from bot.chat.files import MAX_BYTES, NotAllowed, TooLarge, downloaded, fetch

SLACK_FILE_HOSTS = {"files.slack.com", "slack.com"}


@contextlib.contextmanager
def downloaded_files(client: WebClient, files: list[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """Download ``files`` (from a ``file_share`` event); yields the ``values`` for the Request."""
    named = [(str(item.get("name") or ""), functools.partial(_download, client, item)) for item in files]
    with downloaded(named, _reason) as values:
        yield values


def _download(client: WebClient, item: dict[str, Any]) -> bytes:
    if int(item.get("size") or 0) > MAX_BYTES:
        raise TooLarge(str(item.get("name")))
    hosts = SLACK_FILE_HOSTS | {urlparse(client.base_url).hostname}
    url = str(item.get("url_private_download") or item.get("url_private") or "")
    return fetch(url, lambda url: urlparse(url).hostname in hosts, {"Authorization": f"Bearer {client.token}"})


def _reason(exc: Exception) -> str:
    if isinstance(exc, TooLarge):
        return "file too large"
    if isinstance(exc, NotAllowed):
        return "not a Slack file URL"
    return "download failed"
