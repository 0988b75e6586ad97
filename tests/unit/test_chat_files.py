"""Downloading files sent with a message (bot/chat/files.py) and Teams' allow-list for them, against a small local
HTTP server: redirects are checked like the first URL, the size cap holds without a Content-Length, and the
temporary folder is gone after the handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.chat.files import NotAllowed, TooLarge, downloaded, fetch
from bot.platforms.teams.files import allowed_url
from tests.conftest import make_settings


class Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    seen: list[tuple[str, str | None]] = []  # path, Authorization header

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append((self.path, self.headers.get("Authorization")))
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    Handler.routes, Handler.seen = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def local(url: str) -> bool:
    return urlparse(url).hostname == "127.0.0.1"


def test_a_redirect_is_followed_only_to_an_allowed_url_and_headers_go_only_there(server: str) -> None:
    port = urlparse(server).port
    Handler.routes["/ok"] = (200, {"Content-Length": "5"}, b"hello")
    Handler.routes["/here"] = (302, {"Location": f"{server}/ok", "Content-Length": "0"}, b"")
    Handler.routes["/away"] = (302, {"Location": f"http://localhost:{port}/ok", "Content-Length": "0"}, b"")
    assert fetch(f"{server}/here", local, {"Authorization": "Bearer t"}) == b"hello"
    with pytest.raises(NotAllowed):
        fetch(f"{server}/away", local, {"Authorization": "Bearer t"})
    with pytest.raises(NotAllowed):
        fetch(f"http://localhost:{port}/ok", local)
    assert Handler.seen == [("/here", "Bearer t"), ("/ok", "Bearer t"), ("/away", "Bearer t")]


def test_the_size_cap_holds_with_and_without_a_content_length(server: str) -> None:
    Handler.routes["/declared"] = (200, {"Content-Length": "11"}, b"x" * 11)
    Handler.routes["/undeclared"] = (200, {"Connection": "close"}, b"x" * 11)  # HTTP/1.0: read until closed
    Handler.routes["/fits"] = (200, {"Connection": "close"}, b"x" * 10)
    for path in ("/declared", "/undeclared"):
        with pytest.raises(TooLarge):
            fetch(f"{server}{path}", local, limit=10)
    assert fetch(f"{server}/fits", local, limit=10) == b"x" * 10


def test_downloaded_names_each_file_or_its_error_and_removes_the_folder() -> None:
    def refused() -> bytes:
        raise TooLarge("host")

    named = [("../../etc/a.md", lambda: b"a"), ("big.md", refused), ("", lambda: b"c")]
    with downloaded(named, lambda exc: type(exc).__name__) as values:
        assert set(values) == {"file:a.md", "file_error:big.md", "file:file-2"}
        assert values["file_error:big.md"] == "TooLarge"
        path = Path(values["file:a.md"])
        assert path.read_bytes() == b"a" and path.parent.name.startswith("kiun-upload-")
    assert not path.parent.exists()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/a/_layouts/15/download.aspx?UniqueId=1&tempauth=x", True),
        ("https://contoso.sharepoint.com/sites/dx/file.md", True),
        ("http://contoso-my.sharepoint.com/personal/a/file.md", False),  # https only
        ("https://sharepoint.com.evil.example/file.md", False),
        ("https://evilsharepoint.com/file.md", False),
        ("https://smba.trafficmanager.net/jp/files/a.md", False),
        ("http://127.0.0.1:8080/files/a.md", True),  # a host of TEAMS_SERVICE_URLS (the tests' stand-in)
        ("http://localhost:8080/files/a.md", False),
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_teams_downloads_only_from_microsofts_file_hosts_or_the_service_url_hosts(url: str, allowed: bool) -> None:
    settings = make_settings("sqlite://", TEAMS_SERVICE_URLS="http://127.0.0.1:3979/teams/")
    assert allowed_url(settings, url) is allowed
