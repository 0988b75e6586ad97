"""Turn a file into text sections (heading path, page, text): PDF, DOCX, HTML, Markdown, TXT and XLSX.

A file that cannot be read raises :class:`Unreadable` with a reason a person understands (in Japanese, since
it is shown to the DX office as is).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import groupby
from pathlib import Path

from bot.features.qa import structure
from bot.features.qa.structure import Line

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
    dated: tuple[date, str] | None = None  # the date the document gives (施行, 改定, …) and that word
    pages: int | None = None  # a PDF's page count
    empty_pages: list[int] = field(default_factory=list)  # a PDF's pages without text (scanned, blank)


def kind_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def extract(name: str, data: bytes) -> Extracted:
    """Text of the file ``name`` (only its suffix matters) with ``data`` as content."""
    kind = kind_of(Path(name))
    if kind is None:
        raise Unreadable(f"対応していない形式です（{Path(name).suffix or '拡張子なし'}）")
    reader = {"docx": _docx, "html": _html, "md": _markdown, "txt": _text, "xlsx": _xlsx}.get(kind)
    pages: list[str] = []
    try:
        title, parts = reader(data) if reader else _pdf(data, pages)
    except Unreadable:
        raise
    except Exception as exc:  # every parser has its own errors; a broken file is reported, not raised
        raise Unreadable(f"ファイルが壊れているか、形式が正しくありません（{type(exc).__name__}）") from exc
    parts = [Part(p.section, p.text.strip(), p.page) for p in parts if p.text.strip()]
    if not parts:
        raise Unreadable("文字が含まれていません")
    dated = structure.document_date("\n".join([title, *(f"{p.section}\n{p.text}" for p in parts)]))
    return Extracted(
        title=(title or Path(name).stem).strip()[:300],
        parts=parts,
        dated=dated,
        pages=len(pages) if kind == "pdf" else None,
        empty_pages=[number for number, text in enumerate(pages, start=1) if not text.strip()],
    )


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


Entry = tuple[int, Line]  # (heading level, or 0 for body text; the line)


def _sections_from_lines(entries: list[Entry]) -> tuple[str, list[Part]]:
    """Lines as (explicit heading level or 0, line) → the title (first top heading) and one Part per section
    and page. Body lines are split further by the numbering they carry (see :func:`structure.blocks`), so a
    part never mixes two sections and a heading is never a part's only text."""
    headings, title = _Headings(), ""
    parts: list[Part] = []
    body: list[Line] = []

    def flush() -> None:
        for block in structure.blocks(body):
            path = " > ".join(p for p in [headings.path, *block.path] if p)
            for page, group in groupby(block.lines, key=lambda line: line.page):
                parts.append(Part(path, "\n".join(line.text for line in group), page))
        body.clear()

    for level, line in entries:
        if level:
            flush()
            headings.enter(level, line.text)
            title = title or line.text.strip()
        elif line.text.strip():
            body.append(line)
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
        lines.append((len(match.group(1)), Line(match.group(2))) if match else (0, Line(line, literal=fenced)))
    return _sections_from_lines(_markdown_tables(lines))


_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _markdown_tables(lines: list[Entry]) -> list[Entry]:
    """Pipe tables (a header row, a ``|---|`` rule, rows) as rows that keep their column headers."""
    out: list[Entry] = []
    k = 0
    while k < len(lines):
        level, line = lines[k]
        rule = lines[k + 1][1].text.strip() if k + 1 < len(lines) else ""
        if level or line.literal or not line.text.strip().startswith("|") or not _MD_TABLE_RULE.match(rule):
            out.append(lines[k])
            k += 1
            continue
        rows = [_pipe_cells(line.text)]
        k += 2
        while k < len(lines) and not lines[k][0] and lines[k][1].text.strip().startswith("|"):
            rows.append(_pipe_cells(lines[k][1].text))
            k += 1
        out.extend((0, Line(text, literal=literal)) for text, literal in structure.table_lines(rows))
    return out


def _pipe_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _text(data: bytes) -> tuple[str, list[Part]]:
    """Plain text: the first line is the title; numbered headings in the rest give the sections."""
    lines = [line for line in _decode(data).splitlines() if line.strip()]
    if not lines:
        return "", []
    _, parts = _sections_from_lines([(0, Line(line)) for line in lines[1:]])
    return lines[0].strip()[:100], parts or [Part("", lines[0])]


class _HtmlText(HTMLParser):
    """Collects headings and block text from HTML; scripts, styles and navigation are skipped."""

    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}
    BLOCKS = {"p", "div", "li", "tr", "br", "section", "article", "table", "dd", "dt", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Entry] = []
        self._rows: list[list[str]] | None = None  # inside a table: its rows of cells
        self._heads: list[list[bool]] = []  # whether each cell is a <th>
        self._cell: list[str] | None = None
        self.title = ""
        self._skip = 0
        self._heading: int | None = None
        self._in_title = False
        self._item = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif self._rows is not None and tag in ("tr", "td", "th"):
            if tag == "tr" or not self._rows:
                self._rows.append([])
                self._heads.append([])
            if tag != "tr":
                self._cell = []
                self._rows[-1].append("")
                self._heads[-1].append(tag == "th")
        elif tag == "table" and self._rows is None:
            self._flush()
            self._rows, self._heads = [], []
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
        elif self._rows is not None and tag in ("td", "th"):
            if self._cell is not None and self._rows and self._rows[-1]:
                self._rows[-1][-1] = "".join(self._cell)
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self._flush()
            for text, literal in structure.table_lines(self._rows, self._row_headers()):
                self.lines.append((0, Line(text, literal=literal)))
            self._rows = self._cell = None
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self._flush()
            self._item = self._item and tag != "li"

    def _row_headers(self) -> bool:
        """No row is all <th> (no column headers) and the rows start with a <th>: a label | value table."""
        rows = [heads for heads in self._heads if len(heads) >= 2]
        return bool(rows) and not any(all(heads) for heads in rows) and all(heads[0] for heads in rows)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._skip:
            return
        elif self._cell is not None:
            self._cell.append(data)
        else:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buffer)).strip()
        self._buffer.clear()
        if text:
            item = self._item and not self._heading
            self.lines.append((self._heading or 0, Line(BULLET + text if item else text, literal=item)))
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
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    lines: list[Entry] = []
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Table):
            rows = [_distinct_cells([cell.text.strip() for cell in row.cells]) for row in block.rows]
            lines.extend((0, Line(text, literal=literal)) for text, literal in structure.table_lines(rows))
            continue
        style = (block.style.name if block.style is not None else "") or ""
        match = re.match(r"(?:Heading|見出し)\s*(\d)", style)
        if style == "Title":
            lines.append((1, Line(block.text)))
        elif match:
            lines.append((int(match.group(1)) + 1, Line(block.text)))
        elif style.startswith("List") and block.text.strip():
            lines.append((0, Line(BULLET + block.text.strip(), literal=True)))
        else:
            lines.append((0, Line(block.text)))
    core_title = (document.core_properties.title or "").strip()
    heading_title, parts = _sections_from_lines(lines)
    return core_title or heading_title, parts


def _distinct_cells(cells: list[str]) -> list[str]:
    """A row's cells with a merged cell (which python-docx repeats) once."""
    return [cell if k == 0 or cell != cells[k - 1] else "" for k, cell in enumerate(cells)]


def _pdf(data: bytes, pages: list[str]) -> tuple[str, list[Part]]:
    """The title and parts of a PDF; ``pages`` receives each page's raw text."""
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
    pages.extend(page.extract_text() or "" for page in reader.pages)
    if sum(len(text.strip()) for text in pages) < MIN_TEXT_CHARS:
        raise Unreadable("文字が取り出せません（スキャン画像のPDFの可能性があります。OCR済みのPDFをお使いください）")
    lines = structure.page_lines(pages)
    _, parts = _sections_from_lines([(0, line) for line in lines])
    title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
    return title or (lines[0].text[:100] if lines else ""), parts


def _xlsx(data: bytes) -> tuple[str, list[Part]]:
    """One section per sheet; a title row above a table heads the rows below it; each row keeps its column
    headers (see :func:`structure.table_lines`)."""
    import openpyxl  # loads only when a workbook is read (heavy)

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[Entry] = []
    for sheet in book.worksheets:
        lines.append((1, Line(sheet.title)))
        rows = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for text, literal in structure.table_lines(rows):
            lines.append((0, Line(text, literal=True)) if literal else (2, Line(text)))
    title = (book.properties.title or "").strip()
    book.close()
    return title, _sections_from_lines(lines)[1]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
