"""Turn a file into text sections (heading path, page, text): PDF, DOCX, HTML, Markdown, TXT and XLSX.

A file that cannot be read raises :class:`Unreadable` with a reason a person understands (in Japanese, since
it is shown to the DX office as is).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".xlsx": "xlsx",
}
MIN_TEXT_CHARS = 20  # less than this in a whole PDF means a scan without a text layer
BULLET = "- "  # an HTML or DOCX list item starts with it, as in Markdown: answers quote lists whole


class Unreadable(Exception):
    """The file cannot be ingested; ``str(exc)`` is the reason."""


@dataclass
class Part:
    """A stretch of text under one heading path (``"第2章 > 2.1 会議"``), on one PDF page when known."""

    section: str
    text: str
    page: int | None = None


@dataclass
class Extracted:
    title: str
    parts: list[Part]


def kind_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def extract(name: str, data: bytes) -> Extracted:
    """Text of the file ``name`` (only its suffix matters) with ``data`` as content."""
    kind = kind_of(Path(name))
    if kind is None:
        raise Unreadable(f"対応していない形式です（{Path(name).suffix or '拡張子なし'}）")
    reader = {"pdf": _pdf, "docx": _docx, "html": _html, "md": _markdown, "txt": _text, "xlsx": _xlsx}[kind]
    try:
        title, parts = reader(data)
    except Unreadable:
        raise
    except Exception as exc:  # every parser has its own errors; a broken file is reported, not raised
        raise Unreadable(f"ファイルが壊れているか、形式が正しくありません（{type(exc).__name__}）") from exc
    parts = [Part(p.section, p.text.strip(), p.page) for p in parts if p.text.strip()]
    if not parts:
        raise Unreadable("文字が含まれていません")
    return Extracted(title=(title or Path(name).stem).strip()[:300], parts=parts)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932", "euc_jp"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("文字コードが判別できません（UTF-8 または Shift_JIS で保存してください）")


class _Headings:
    """Tracks the current heading path while walking a document's headings in order."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        self.stack = [(lv, text) for lv, text in self.stack if lv < level] + [(level, title.strip())]

    @property
    def path(self) -> str:
        return " > ".join(text for _, text in self.stack)

    @property
    def first(self) -> str:
        return self.stack[0][1] if self.stack else ""


def _sections_from_lines(lines: list[tuple[int, str]]) -> tuple[str, list[Part]]:
    """Lines as (heading level or 0, text) → the title (first top heading) and one Part per section."""
    headings, title = _Headings(), ""
    parts: list[Part] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            parts.append(Part(headings.path, "\n".join(buffer)))
            buffer.clear()

    for level, text in lines:
        if level:
            flush()
            headings.enter(level, text)
            title = title or text.strip()
        elif text.strip():
            buffer.append(text.strip())
    flush()
    return title, parts


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _markdown(data: bytes) -> tuple[str, list[Part]]:
    lines, fenced = [], False
    text = _decode(data)
    if text.startswith("---\n"):  # YAML front matter is metadata, not content
        end = text.find("\n---", 4)
        text = text[end + 4 :] if end > 0 else text
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else _MD_HEADING.match(line)
        lines.append((len(match.group(1)), match.group(2)) if match else (0, line))
    return _sections_from_lines(lines)


def _text(data: bytes) -> tuple[str, list[Part]]:
    text = _decode(data)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:100], [Part("", text)]


class _HtmlText(HTMLParser):
    """Collects headings and block text from HTML; scripts, styles and navigation are skipped."""

    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}
    BLOCKS = {"p", "div", "li", "tr", "br", "section", "article", "table", "dd", "dt", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.title = ""
        self._skip = 0
        self._heading: int | None = None
        self._in_title = False
        self._item = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag in self.BLOCKS:
            self._flush()
            self._item = self._item or tag == "li"

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self._flush()
            self._item = self._item and tag != "li"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buffer)).strip()
        self._buffer.clear()
        if text:
            self.lines.append((self._heading or 0, BULLET + text if self._item and not self._heading else text))
            self._item = False
        self._heading = None


def _html(data: bytes) -> tuple[str, list[Part]]:
    parser = _HtmlText()
    parser.feed(_decode(data))
    parser.close()
    parser._flush()
    heading_title, parts = _sections_from_lines(parser.lines)
    return parser.title.strip() or heading_title, parts


def _docx(data: bytes) -> tuple[str, list[Part]]:
    import docx  # loads only when a Word document is read (heavy)

    document = docx.Document(io.BytesIO(data))
    lines: list[tuple[int, str]] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        match = re.match(r"(?:Heading|見出し)\s*(\d)", style)
        if style == "Title":
            lines.append((1, paragraph.text))
        elif match:
            lines.append((int(match.group(1)) + 1, paragraph.text))
        elif style.startswith("List") and paragraph.text.strip():
            lines.append((0, BULLET + paragraph.text.strip()))
        else:
            lines.append((0, paragraph.text))
    for table in document.tables:
        for row in table.rows:
            lines.append((0, " | ".join(cell.text.strip() for cell in row.cells)))
    core_title = (document.core_properties.title or "").strip()
    heading_title, parts = _sections_from_lines(lines)
    return core_title or heading_title, parts


def _pdf(data: bytes) -> tuple[str, list[Part]]:
    import pypdf  # loads only when a PDF is read

    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise Unreadable("パスワードで保護（暗号化）されています")
        except Unreadable:
            raise
        except Exception as exc:
            raise Unreadable("パスワードで保護（暗号化）されています") from exc
    parts = [Part("", page.extract_text() or "", number) for number, page in enumerate(reader.pages, start=1)]
    if sum(len(part.text.strip()) for part in parts) < MIN_TEXT_CHARS:
        raise Unreadable("文字が取り出せません（スキャン画像のPDFの可能性があります。OCR済みのPDFをお使いください）")
    title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
    return title, parts


def _xlsx(data: bytes) -> tuple[str, list[Part]]:
    import openpyxl  # loads only when a workbook is read (heavy)

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts = []
    for sheet in book.worksheets:
        rows = [" | ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
        parts.append(Part(sheet.title, "\n".join(row for row in rows if row.strip())))
    title = (book.properties.title or "").strip()
    book.close()
    return title, parts
