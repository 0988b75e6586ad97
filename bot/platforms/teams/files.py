"""Files people attach in their 1:1 chat with kiun (the manifest's ``supportsFiles``), handed to the router as
:func:`bot.chat.files.downloaded` does on every platform.

Teams puts an attached file in the sender's OneDrive and sends the bot a ``file.download.info`` attachment: its
name and a short-lived, pre-authorised ``downloadUrl``, read with a plain GET — the bot's token is never sent.
The URL (and every redirect) must be https on Microsoft's file hosts (SharePoint Online, which holds OneDrive for
work), or on a host of ``TEAMS_SERVICE_URLS`` (tests: the stand-in, over http). Images pasted into the message are
``image/*`` attachments, not files; channels and group chats do not get files this way.
"""

from __future__ import annotations

import contextlib
import functools
import urllib.error
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from bot.app.config import Settings
from bot.chat.files import MAX_BYTES, NotAllowed, TooLarge, downloaded, fetch
from bot.chat.i18n import t

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
MICROSOFT_FILE_HOSTS = ("sharepoint.com",)  # <tenant>-my.sharepoint.com (OneDrive for work), <tenant>.sharepoint.com


def attached(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The file attachments of an activity (``file.download.info``)."""
    return [item for item in _attachments(raw) if item.get("contentType") == FILE_INFO]


def pasted_images(raw: dict[str, Any]) -> bool:
    """Whether the activity carries images pasted into the message (not attached as files)."""
    return any(str(item.get("contentType") or "").startswith("image/") for item in _attachments(raw))


def _attachments(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in raw.get("attachments") or [] if isinstance(item, dict)]


def allowed_url(settings: Settings, url: str) -> bool:
    """Whether kiun downloads from ``url``: https on Microsoft's file hosts, or a host of ``TEAMS_SERVICE_URLS``."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("https", "http") or not host:
        return False
    if host in {urlparse(prefix).hostname for prefix in settings.teams_service_urls}:
        return True
    return parsed.scheme == "https" and any(host.endswith(f".{suffix}") for suffix in MICROSOFT_FILE_HOSTS)


@contextlib.contextmanager
def downloaded_files(settings: Settings, attachments: list[dict[str, Any]], lang: str) -> Iterator[dict[str, str]]:
    """Download ``attachments`` (from :func:`attached`); yields the ``values`` for the Request."""
    named = [(str(item.get("name") or ""), functools.partial(_download, settings, item)) for item in attachments]
    with downloaded(named, functools.partial(_reason, lang=lang)) as values:
        yield values


def _download(settings: Settings, item: dict[str, Any]) -> bytes:
    content = item.get("content")
    url = str(content.get("downloadUrl") or "") if isinstance(content, dict) else ""
    return fetch(url, functools.partial(allowed_url, settings))


def _reason(exc: Exception, lang: str) -> str:
    if isinstance(exc, TooLarge):
        return t("teams.file.too_large", lang, limit=f"{MAX_BYTES // 1024 // 1024} MB")
    if isinstance(exc, NotAllowed):
        return t("teams.file.not_allowed", lang)
    if isinstance(exc, urllib.error.HTTPError) and exc.code in (401, 403):  # the pre-authorised URL has lapsed
        return t("teams.file.expired", lang)
    return t("teams.file.failed", lang)
