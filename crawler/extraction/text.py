"""Element → lines of text. The normal form of a text (what gets hashed) is archive.textnorm's.

Rendering rules: block elements and ``<br>`` end a line; inline whitespace collapses to one
space (a source line break between two CJK characters disappears, as in browsers);
full-width punctuation and U+3000 inside a line are kept except runs of whitespace, which
become one ASCII space; empty lines are dropped. A *data* table (a row with two or more
filled cells) becomes one line per row with cells joined by ``" | "``; a *layout* table
(one filled cell per row, or a cell holding a long passage) is rendered as ordinary blocks.
Trailing empty cells of a row are dropped; an empty cell inside a row leaves ``" | | "``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from archive.textnorm import normalise_text, normalised_hash, text_hash

__all__ = [
    "BLOCK_TAGS", "CELL_SEPARATOR", "SKIP_TAGS", "clean_line", "join_lines", "normalise_text", "normalised_hash",
    "render_lines", "text_hash",
]

CELL_SEPARATOR = " | "

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "ucapcontent", "ucaptitle", "title", "option", "legend",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "head", "select", "textarea", "button",
    "iframe", "object", "embed", "canvas", "svg", "map", "audio", "video", "input",
})
_LONG_CELL = 300

_WS = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WIDE = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2010-\u2027"
_CJK_BREAK = re.compile(rf"(?<=[{_WIDE}])[ \t\r\u00a0]*\n\s*(?=[{_WIDE}])")


def clean_line(raw: str) -> str:
    """One rendered line in normal form: whitespace collapsed, trimmed, invisibles removed."""
    if not raw or raw.isspace():  # half the calls (the gaps between blocks): every step below gives ""
        return ""
    if "\n" in raw and "\n" in (raw := raw.strip()):  # most breaks are the markup's indentation
        raw = _CJK_BREAK.sub("", raw)  # a break between two Chinese characters is no space (never at an end)
    if not raw.isprintable():  # every invisible is unprintable (so is white space but the space)
        raw = _INVISIBLE.sub("", raw)
    return " ".join(raw.split())  # str.split() splits at \s, the white space _WS adds no more to


def _filled(cell: HtmlElement) -> bool:
    return bool(_WS.sub("", cell.text_content()))


def _classify_tables(root: HtmlElement) -> set[HtmlElement]:
    """The data tables under ``root`` (see the module docstring)."""
    data: set[HtmlElement] = set()
    for table in root.iter("table"):
        rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        is_data = False
        for row in rows:
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            filled = [c for c in cells if _filled(c)]
            if any(len(c.text_content()) > _LONG_CELL for c in filled):
                is_data = False
                break
            if len(filled) >= 2:
                is_data = True
        if is_data:
            data.add(table)
    return data


class _Lines:
    """Accumulates text into lines, with an optional table-row mode."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def text(self, value: str | None) -> None:
        if not value:
            return
        if self.cell is not None:
            self.cell.append(value)
        elif self.row is None:
            self.buffer.append(value)
        # text between cells of a row (whitespace in practice) is ignored

    def brk(self) -> None:
        if self.cell is not None:
            self.cell.append(" ")
        elif self.row is None and self.buffer:
            line = clean_line("".join(self.buffer))
            self.buffer.clear()
            if line:
                self.lines.append(line)

    def start_row(self) -> None:
        self.brk()
        self.row = []

    def start_cell(self) -> None:
        self.cell = []

    def end_cell(self) -> None:
        if self.row is not None and self.cell is not None:
            self.row.append(clean_line("".join(self.cell)))
        self.cell = None

    def end_row(self) -> None:
        if self.row is not None and any(self.row):
            while self.row and not self.row[-1]:
                self.row.pop()
            self.lines.append(clean_line(CELL_SEPARATOR.join(self.row)))
        self.row = None
        self.cell = None


def render_lines(root: HtmlElement, tables: bool = True) -> list[str]:
    """Lines of text under ``root`` (its own tail excluded).

    With ``tables=False`` every table is treated as layout: each cell becomes its own line
    (used to read label/value pairs of metadata tables).
    """
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    data_tables = _classify_tables(root) if tables else set()
    out = _Lines()
    # state per open data table: (table element, row element or None, cell element or None)
    table_stack: list[HtmlElement] = []
    row_el: HtmlElement | None = None
    cell_el: HtmlElement | None = None
    skip_depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else None
        if event == "start":
            if skip_depth or tag is None or tag in SKIP_TAGS:
                skip_depth += 1
                continue
            if tag == "br":
                out.brk()
            elif table_stack and cell_el is None and row_el is None and tag == "tr" \
                    and _owner_table(el) is table_stack[-1]:
                row_el = el
                out.start_row()
            elif table_stack and row_el is not None and cell_el is None and tag in ("td", "th") \
                    and el.getparent() is row_el:
                cell_el = el
                out.start_cell()
            elif tag == "table" and el in data_tables and row_el is None:
                table_stack.append(el)
                out.brk()
            elif tag in BLOCK_TAGS:
                out.brk()
            if tag == "pre" and el.text:
                for i, part in enumerate(el.text.split("\n")):
                    if i:
                        out.brk()
                    out.text(part)
            else:
                out.text(el.text)
        else:
            if skip_depth:
                skip_depth -= 1
                if skip_depth == 0 and el is not root:
                    out.text(el.tail)
                continue
            if tag is None:
                if el is not root:
                    out.text(el.tail)
                continue
            if el is cell_el:
                out.end_cell()
                cell_el = None
            elif el is row_el:
                out.end_row()
                row_el = None
            elif table_stack and el is table_stack[-1]:
                table_stack.pop()
                out.brk()
            elif tag in BLOCK_TAGS or tag == "br":
                out.brk()
            if el is not root:
                out.text(el.tail)
    out.end_row()
    out.brk()
    return out.lines


def _owner_table(row: HtmlElement) -> HtmlElement | None:
    parent = row.getparent()
    if parent is not None and parent.tag in ("tbody", "thead", "tfoot"):
        parent = parent.getparent()
    return parent


def join_lines(lines: Iterable[str]) -> str:
    """Lines → the text form stored in the archive."""
    return "\n".join(line for line in lines if line)
