"""Open an HTML page in headless Chromium (Debian's ``chromium``): collect console and page errors, check that
each chart image decoded and that the embedded Japanese font loads, and save a full-page screenshot.

No extra dependency: the page is opened with a small check script placed first in its ``<head>``, which writes
its findings into the DOM that ``--dump-dom`` prints; Chromium's own console log (``--enable-logging``) is read
from stderr too. Skips the calling test, saying why, when Chromium is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
WIDTH = 1200
MAX_HEIGHT = 16000
TIMEOUT = 60
CHECK = """<script>
window.__kiunErrors = [];
window.addEventListener("error", function (event) {
  var target = event.target && event.target !== window
    ? event.target.tagName + " " + (event.target.dataset.chart || "") : "";
  window.__kiunErrors.push("error: " + (event.message || "failed to load " + target));
}, true);
window.addEventListener("unhandledrejection", function (event) {
  window.__kiunErrors.push("rejection: " + event.reason);
});
var originalError = console.error;
console.error = function () {
  window.__kiunErrors.push("console.error: " + Array.from(arguments).join(" "));
  originalError.apply(console, arguments);
};
window.addEventListener("load", function () {
  document.fonts.load('16px "kiun-ja"', "機運").then(function (faces) {
    var images = {};
    Array.from(document.images).forEach(function (img) {
      images[img.dataset.chart] = img.complete && img.naturalWidth > 0;
    });
    var out = document.createElement("pre");
    out.id = "kiun-check";
    out.textContent = JSON.stringify({errors: window.__kiunErrors, images: images, font: faces.length > 0,
                                      height: document.documentElement.scrollHeight});
    document.body.appendChild(out);
  });
});
</script>"""


@dataclass(frozen=True)
class BrowserResult:
    errors: list[str]
    images: dict[str, bool]
    japanese_font_loaded: bool
    height: int


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium); .ci/run installs it")
    return path


def render_in_chromium(page: Path, screenshot: Path, profile: Path) -> BrowserResult:
    """Check ``page`` and save its full-page screenshot to ``screenshot``; ``profile`` is a fresh folder."""
    binary = chromium()
    html = page.read_text(encoding="utf-8")
    checked = page.with_name(page.stem + ".checked.html")
    checked.write_text(html.replace("<head>", "<head>" + CHECK, 1), encoding="utf-8")
    base = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},1000"]
    dump = subprocess.run(
        [*base, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", checked.as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    start = dump.stdout.find('<pre id="kiun-check">')
    if start < 0:
        raise AssertionError(f"Chromium did not run the page's check (exit {dump.returncode}): {dump.stderr[-2000:]}")
    found = json.loads(_unescape(dump.stdout[start + len('<pre id="kiun-check">') : dump.stdout.find("</pre>", start)]))
    console = [
        line for line in dump.stderr.splitlines() if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line)
    ]
    height = min(int(found["height"]), MAX_HEIGHT)
    shot = subprocess.run(
        [*base[:-1], f"--window-size={WIDTH},{height}", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if not screenshot.is_file():
        raise AssertionError(f"Chromium wrote no screenshot (exit {shot.returncode}): {shot.stderr[-2000:]}")
    return BrowserResult(found["errors"] + console, found["images"], found["font"], height)


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
