"""The structure of Japanese public documents in plain lines: headings and numbering, PDF page furniture,
lines broken inside a sentence, table rows with their column headers, and the document's date.

Headings are recognised by how city documents number them — 第1章/第1節/第1条, 附則, 別表, ``1.`` ``1-1``
``1.1`` ``(1)`` ``（１）`` ``ア`` ``①`` ``■`` ``【…】`` — and nest in the order their styles first appear (as
an outline does), 例規 levels (編 > 章 > 節 > 款 > 条) by rank. A numbered line is a heading only when it is
short, is not a sentence, and is not one of a run of items of the same style (``(1) 領収書の写し`` followed by
``(2) …`` is a list). An article (第4条　本文…) is a heading with its body on the same line; a caption line
before it (（実施日数）) becomes part of its label.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_N = "[0-9０-９]+"
_K = "[一二三四五六七八九十百〇]+"
_NUM = f"(?:{_N}|{_K})"
_SPACE = "[ \u3000\t]"
# (style, pattern at the start of a line). Order matters: the first match names the style.
_STYLES: list[tuple[str, re.Pattern[str]]] = [
    (style, re.compile(pattern))
    for style, pattern in (
        ("編", f"第{_NUM}編"),
        ("章", f"第{_NUM}章"),
        ("節", f"第{_NUM}節"),
        ("款", f"第{_NUM}款"),
        ("条", f"第{_NUM}条(?:の{_NUM})?"),
        ("附則", f"附{_SPACE}*則"),
        ("別表", f"(?:別表|別紙|様式)(?:第{_NUM}号?)?"),
        ("第N", f"第{_NUM}(?={_SPACE})"),
        ("n-n", f"{_N}[-－‐―]{_N}(?:[-－‐―]{_N})?(?={_SPACE})"),
        ("n.n", f"{_N}[.．]{_N}(?:[.．]{_N})?(?={_SPACE})"),
        ("n.", f"{_N}[.．](?![0-9０-９])"),
        ("n", f"{_N}(?={_SPACE})"),
        ("(n)", f"[(（]{_N}[)）]"),
        ("n)", f"{_N}[)）]"),
        ("一", f"{_K}(?={_SPACE})"),
        ("ア", f"[アイウエオカキクケコサシスセソタチツテト](?={_SPACE})"),
        ("(ア)", "[(（][アイウエオカキクケコサシスセソタチツテト][)）]"),
        ("①", "[①-⑳]"),
        ("■", "[■□◆◇◎●○▼▽★☆◯]"),
        ("【", "【[^】]{1,30}】"),
    )
]
_RANK = {"附則": 0, "別表": 0, "編": 1, "章": 2, "節": 3, "款": 4, "条": 5}
_ARTICLE_WITH_BODY = {"条"}
_SELF_LABELLED = {"附則", "別表", "【"}  # a heading even without words after the marker
_CAPTION = re.compile(r"^[(（][^()（）。]{1,20}[)）]$")
HEADING_MAX_CHARS = 40
_SENTENCE_END = "。．！？!?"


def style_of(line: str) -> tuple[str, str] | None:
    """(style, the marker) when ``line`` starts with a heading or item number, else None."""
    for style, pattern in _STYLES:
        match = pattern.match(line)
        if match:
            return style, match.group(0)
    return None


@dataclass
class Line:
    """A line of body text: ``literal`` lines (table rows, list items) are never headings."""

    text: str
    page: int | None = None
    literal: bool = False


@dataclass
class Block:
    """A run of lines under one numbered heading path (relative to the explicit headings above it)."""

    path: list[str]
    lines: list[Line]


def blocks(lines: list[Line]) -> list[Block]:
    """Split body lines into blocks by their numbered headings; a block has at least one line of text."""
    styles = [None if line.literal else style_of(line.text) for line in lines]
    stack: list[tuple[str, str]] = []
    out: list[Block] = []
    caption = ""
    for i, line in enumerate(lines):
        text = line.text.strip()
        if not text:
            continue
        following = next((j for j in range(i + 1, len(lines)) if lines[j].text.strip()), None)
        if not line.literal and _CAPTION.match(text) and following is not None and _is_article(styles[following]):
            caption = text
            continue
        heading = _heading(lines, styles, i)
        if heading is None:
            if not out or out[-1].path != [label for _, label in stack]:
                out.append(Block([label for _, label in stack], []))
            out[-1].lines.append(Line(text, line.page, line.literal))
            continue
        style, label, body = heading
        if caption and style in _ARTICLE_WITH_BODY:
            label = f"{label}{caption}"
        caption = ""
        stack = _enter(stack, style, label)
        if body:
            out.append(Block([label for _, label in stack], [Line(body, line.page)]))
    return [block for block in out if block.lines]


def _is_article(found: tuple[str, str] | None) -> bool:
    return found is not None and found[0] in _ARTICLE_WITH_BODY


def _heading(lines: list[Line], styles: list[tuple[str, str] | None], i: int) -> tuple[str, str, str] | None:
    """(style, label, body on the same line) when line ``i`` is a heading."""
    found = styles[i]
    if found is None:
        return None
    style, marker = found
    text = re.sub(r"\s+", " ", lines[i].text.strip())
    if style in _ARTICLE_WITH_BODY:
        rest = text[len(marker) :].strip()
        if rest and rest[-1] not in _SENTENCE_END and len(text) <= HEADING_MAX_CHARS:
            return style, text, ""  # 第1条 総則 (a title, not a body)
        return style, marker, rest
    if len(text) > HEADING_MAX_CHARS or any(c in text for c in _SENTENCE_END):
        return None
    if text == marker and style not in _SELF_LABELLED:
        return None  # a bare number or symbol
    if style not in _RANK and (_same_style(styles, i, -1) or _same_style(styles, i, 1)):
        return None  # one of a list of items
    return style, text, ""


def _same_style(styles: list[tuple[str, str] | None], i: int, step: int) -> bool:
    """Whether the neighbouring line (``step`` -1 or 1) has the same numbering style as line ``i``."""
    j, own = i + step, styles[i]
    neighbour = styles[j] if 0 <= j < len(styles) else None
    return own is not None and neighbour is not None and neighbour[0] == own[0]


def _enter(stack: list[tuple[str, str]], style: str, label: str) -> list[tuple[str, str]]:
    """The heading stack after entering a heading: a style already open closes everything from it on; a ranked
    例規 style also closes the styles of the same or a lower rank."""
    if style in _RANK:
        for k, (open_style, _) in enumerate(stack):
            if open_style in _RANK and _RANK[open_style] >= _RANK[style]:
                return [*stack[:k], (style, label)]
    for k, (open_style, _) in enumerate(stack):
        if open_style == style:
            return [*stack[:k], (style, label)]
    return [*stack, (style, label)]


# --- PDF pages ---------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-－—‐–]\s*[0-9０-９]+\s*[-－—‐–]|[0-9０-９]+\s*[/／]\s*[0-9０-９]+|(?:p\.?|P\.?)?\s*[0-9０-９]+"
    r"|[(（][0-9０-９]+[)）]|[0-9０-９]+\s*ページ)$"
)
EDGE_LINES = 2  # a page's header or footer is among its first or last two lines
_NO_JOIN_END = _SENTENCE_END + "」』）)：:"
_LABEL = re.compile(r"^[^\s：:。、]{1,8}[：:]")


def page_lines(pages: list[str]) -> list[Line]:
    """The lines of a PDF's pages without running headers, footers and page numbers, and with lines broken
    inside a sentence joined (a line that runs to the text width and does not end a sentence continues on the
    next line, unless that one starts a heading, an item or a label)."""
    split = [[_unspaced(line.strip()) for line in page.splitlines() if line.strip()] for page in pages]
    edge_counts: dict[str, int] = {}
    for lines in split:
        for key in {_furniture_key(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}:
            edge_counts[key] = edge_counts.get(key, 0) + 1
    repeated = max(2, (len(split) + 1) // 2)
    kept: list[Line] = []
    for number, lines in enumerate(split, start=1):
        for k, line in enumerate(lines):
            edge = k < EDGE_LINES or k >= len(lines) - EDGE_LINES
            if edge and (_PAGE_NUMBER.match(line) or edge_counts.get(_furniture_key(line), 0) >= repeated):
                continue
            kept.append(Line(line, number))
    return _join_broken(kept)


_CJK = "\u3041-\u30ff\u3400-\u9fff\uff10-\uff5a"
_SPACED = re.compile(f"(?<=[{_CJK}0-9]) (?=[{_CJK}0-9])")


def _unspaced(line: str) -> str:
    """A line a PDF's text layer spaced out character by character (「第 1 章 総 則」) without those spaces; a
    line with only some spaces between Japanese characters keeps them (「本庁舎1階 市民課」)."""
    pairs = sum(1 for a, b in zip(line, line[1:], strict=False) if a != " " and b != " ")
    spaced = len(_SPACED.findall(line))
    return _SPACED.sub("", line) if spaced >= 3 and spaced > pairs else line


def _furniture_key(line: str) -> str:
    return re.sub(r"[0-9０-９]+", "#", re.sub(r"\s+", "", line))


def width(text: str) -> float:
    """Display width: full-width characters 1, others ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def _join_broken(lines: list[Line]) -> list[Line]:
    widths = sorted(width(line.text) for line in lines)
    if not widths:
        return []
    full = 0.8 * widths[math.ceil(0.95 * len(widths)) - 1]  # the text width, but for the widest 5% of lines
    out: list[Line] = []
    for line in lines:
        if out and _continues(out[-1], line, full):
            previous = out[-1].text
            latin = previous.isascii() and line.text[:1].isascii()  # a Japanese line breaks anywhere, even in DX
            glue = " " if latin else ""
            out[-1] = Line(previous + glue + line.text, out[-1].page)
        else:
            out.append(line)
    return out


def _continues(previous: Line, line: Line, full: float) -> bool:
    if previous.page != line.page or previous.text[-1] in _NO_JOIN_END or width(previous.text) < full:
        return False
    return style_of(line.text) is None and not _LABEL.match(line.text) and not line.text.startswith(("・", "※"))


# --- tables ------------------------------------------------------------------------------------------------

_UNIT = re.compile(r"^(.*?)\s*[(（]([^()（）]{1,4})[)）]$")
_NUMBER = re.compile(r"^[0-9０-９,，.]+$")


def table_lines(rows: list[list[str]], row_headers: bool = False) -> list[tuple[str, bool]]:
    """A table as lines: each data row ``header: value / header: value`` (a header's unit in brackets goes
    after a number: 手数料（円） 300 → ``手数料: 300円``); a row with one cell (a title above the table) as a
    caption line, flagged False (it may be a heading); row lines flagged True. With ``row_headers`` (an HTML
    table whose rows start with a ``<th>``: 受付時間 | 8:30〜17:15) each row is ``label: value``."""
    if row_headers:
        labelled = [[re.sub(r"\s+", " ", cell or "").strip() for cell in row] for row in rows]
        return [(f"{row[0]}: {' / '.join(c for c in row[1:] if c)}", True) for row in labelled if row and row[0]]
    out: list[tuple[str, bool]] = []
    header: list[str] | None = None
    for raw in rows:
        cells = [re.sub(r"\s+", " ", cell or "").strip() for cell in raw]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        if len(filled) == 1:
            out.append((filled[0], False))
            header = None
            continue
        if header is None and len(filled) >= 2 and not any(_NUMBER.match(cell) for cell in filled):
            header = cells
            continue
        out.append((_row(header or [], cells), True))
    return out


def _row(header: list[str], cells: list[str]) -> str:
    pieces = []
    for k, value in enumerate(cells):
        if not value:
            continue
        label = header[k] if k < len(header) else ""
        unit = _UNIT.match(label)
        if unit and _NUMBER.match(value):
            label, value = unit.group(1), f"{value}{unit.group(2)}"
        pieces.append(f"{label}: {value}" if label else value)
    return " / ".join(pieces)


# --- the document's date -----------------------------------------------------------------------------------

_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_DATE = (
    r"(?:(令和|平成|昭和)\s*([0-9０-９]+|元)|([0-9０-９]{4}))\s*年"  # era and year, or a western year
    r"\s*([0-9０-９]{1,2})\s*月(?:\s*([0-9０-９]{1,2})\s*日)?"
)
_DATED_AFTER = re.compile(_DATE + r"[^\n。]{0,12}?(施行|改定|改正|更新|制定)")
_DATED_BEFORE = re.compile(r"(施行|改定|改正|更新|制定)日?\s*[:：]?\s*" + _DATE)


def document_date(text: str) -> tuple[date, str] | None:
    """The latest date the text gives as its 施行, 改定, 改正, 更新 or 制定 (e.g. 「令和7年4月1日から施行する」,
    「最終更新日：令和7年5月20日」), with that word; None when it gives none."""
    found: list[tuple[date, str]] = []
    for match in _DATED_AFTER.finditer(text):
        found.extend(_as_date(match.groups()[:5], match.group(6)))
    for match in _DATED_BEFORE.finditer(text):
        found.extend(_as_date(match.groups()[1:6], match.group(1)))
    return max(found, default=None)


def _as_date(parts: tuple[str | None, ...], word: str) -> list[tuple[date, str]]:
    era, era_year, year, month, day = (unicodedata.normalize("NFKC", part) if part else None for part in parts)
    number = int(year) if year else _ERAS[era or "令和"] + (1 if era_year == "元" else int(era_year or 1))
    try:
        return [(date(number, int(month or 1), int(day or 1)), word)]
    except ValueError:
        return []
