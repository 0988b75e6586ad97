"""Files people send with a message, as a platform hands them to the router (:meth:`bot.chat.router.Router.files`):
each one downloaded into a temporary folder, ``file:<name>`` → its local path or ``file_error:<name>`` → why not,
the folder removed after the handler returns.

:func:`fetch` reads one URL with the limits every platform keeps: a size cap, a timeout and an allow-list checked
on the URL and on every redirect (so a header such as a token never follows a redirect to another host).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 30


class TooLarge(ValueError):
    """The file is larger than :data:`MAX_BYTES`."""


class NotAllowed(ValueError):
    """The URL (or a redirect) is outside the platform's allow-list."""


def fetch(
    url: str, allowed: Callable[[str], bool], headers: dict[str, str] | None = None, limit: int = MAX_BYTES
) -> bytes:
    """The body at ``url``, at most ``limit`` bytes; ``allowed`` is asked about the URL and every redirect.

    Raises :class:`NotAllowed`, :class:`TooLarge`, or ``urllib.error.URLError`` / ``OSError`` when the download fails.
    """
    if not allowed(url):
        raise NotAllowed(_host(url))
    opener = urllib.request.build_opener(_Redirects(allowed))
    request = urllib.request.Request(url, headers=headers or {})
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        if int(response.headers.get("Content-Length") or 0) > limit:
            raise TooLarge(_host(url))
        data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_host(url))
    return data


def _host(url: str) -> str:
    """The host of ``url``, for a message or the log (a download URL's query may hold a credential)."""
    return urlparse(url).hostname or "?"


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL ``allowed`` accepts."""

    def __init__(self, allowed: Callable[[str], bool]) -> None:
        self.allowed = allowed

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if not self.allowed(newurl):
            raise NotAllowed(_host(newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@contextlib.contextmanager
def downloaded(
    files: Sequence[tuple[str, Callable[[], bytes]]], reason: Callable[[Exception], str]
) -> Iterator[dict[str, str]]:
    """``files`` (a name and how to download it) saved in a temporary folder; yields the Request's ``values``.

    ``reason`` says, for the person, why a download failed (:class:`TooLarge`, :class:`NotAllowed`, or an
    ``OSError`` / ``URLError``)."""
    if not files:
        yield {}
        return
    folder = Path(tempfile.mkdtemp(prefix="kiun-upload-"))
    values: dict[str, str] = {}
    try:
        for number, (raw_name, download) in enumerate(files):
            name = Path(raw_name or f"file-{number}").name or f"file-{number}"
            try:
                path = folder / f"{number}-{name}"
                path.write_bytes(download())
                values[f"file:{name}"] = str(path)
            except (OSError, ValueError) as exc:  # urllib.error.URLError is an OSError
                log.warning("could not download a file sent with a message: %s: %s", type(exc).__name__, exc)
                values[f"file_error:{name}"] = reason(exc)
        yield values
    finally:
        shutil.rmtree(folder, ignore_errors=True)
