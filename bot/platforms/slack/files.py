"""Files people share with the bot in a DM: downloaded with the bot token into a temporary folder for the
handler (``Request.values``: ``file:<name>`` → local path, ``file_error:<name>`` → reason), removed afterwards.

The token is only ever sent to Slack's file host or to the host of ``SLACK_API_URL`` (tests: the stand-in),
never to another host named in an event.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from slack_sdk import WebClient

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
SLACK_FILE_HOSTS = {"files.slack.com", "slack.com"}
TIMEOUT_SECONDS = 30


@contextlib.contextmanager
def downloaded_files(client: WebClient, files: list[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """Download ``files`` (from a ``file_share`` event); yields the ``values`` for the Request."""
    if not files:
        yield {}
        return
    folder = Path(tempfile.mkdtemp(prefix="kiun-upload-"))
    values: dict[str, str] = {}
    try:
        for number, item in enumerate(files):
            name = Path(str(item.get("name") or f"file-{number}")).name
            try:
                path = folder / f"{number}-{name}"
                path.write_bytes(_download(client, item))
                values[f"file:{name}"] = str(path)
            except (OSError, ValueError, urllib.error.URLError) as exc:
                log.warning("slack: could not download a shared file: %s", exc)
                values[f"file_error:{name}"] = str(exc) if isinstance(exc, ValueError) else "download failed"
        yield values
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _download(client: WebClient, item: dict[str, Any]) -> bytes:
    if int(item.get("size") or 0) > MAX_BYTES:
        raise ValueError("file too large")
    url = str(item.get("url_private_download") or item.get("url_private") or "")
    host = urlparse(url).hostname
    if not url or host not in SLACK_FILE_HOSTS | {urlparse(client.base_url).hostname}:
        raise ValueError("not a Slack file URL")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - host checked above
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError("file too large")
    return data
