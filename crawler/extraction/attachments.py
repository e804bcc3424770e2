"""Attachments: links to report files near the body, and the text inside those files.

Accepted types: pdf, doc, docx, wps, ofd, xls, xlsx, et, zip, rar. The type comes from the
URL path, a ``filename=`` style query parameter (Hanweb ``downfile.jsp``), or the link
text. PDF text comes from pypdf, DOCX text from python-docx (paragraphs and table rows in
document order), OFD text from its page XML, TXT through the page decoder; DOC / WPS /
XLS / ET / ZIP / RAR (and anything else) are kept as files and marked
``text not extracted: <reason>``.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from archive.records import AttachmentRecord
from crawler.extraction.boilerplate import is_chrome_element
from crawler.extraction.text import CELL_SEPARATOR, clean_line, normalise_text

logger = logging.getLogger(__name__)

ATTACHMENT_TYPES = frozenset({"pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "et", "zip", "rar"})
_CONTENT_TYPES = {
    "application/pdf": "pdf", "application/msword": "doc", "application/ofd": "ofd",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls", "application/zip": "zip", "application/x-rar-compressed": "rar",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/kswps": "wps", "application/vnd.ms-works": "wps", "text/plain": "txt",
}
_EXT = re.compile(r"\.([A-Za-z]{2,4})\s*$")
_GENERIC_NAMES = re.compile(r"^(?:附件\s*\d*|下载|点击下载|点此下载|查看|点击查看|下载附件|附件下载|pdf|PDF|原文|"
                            r"here|download|\d+)\s*[:：]?$")
_REGION_LEVELS = 3
_MAX_ATTACHMENT_TEXT_PAGES = 500


def _ext(path: str) -> str | None:
    match = _EXT.search(path)
    if match and match.group(1).lower() in ATTACHMENT_TYPES:
        return match.group(1).lower()
    return None


def attachment_type(url: str, text: str = "") -> str | None:
    """The attachment type of a link, or ``None`` when it is not an attachment."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host: not a link we can follow anyway
        return None
    found = _ext(unquote(parts.path))
    if found:
        return found
    for _key, value in parse_qsl(parts.query):
        found = _ext(value)
        if found:
            return found
    # a link whose text names the file (Hanweb ``downfile.jsp?id=…``), unless it opens a page
    if text and not parts.path.lower().endswith((".html", ".htm", ".shtml")):
        return _ext(text)
    return None


def _file_name(url: str) -> str:
    parts = urlsplit(url)
    for _key, value in parse_qsl(parts.query):
        if _ext(value):
            return posixpath.basename(value)
    return posixpath.basename(unquote(parts.path))


def _base_url(root: HtmlElement, url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            try:
                return urljoin(url, href.strip())
            except ValueError:
                return url
    return url


def _region(anchor: HtmlElement) -> HtmlElement:
    region = anchor
    for _ in range(_REGION_LEVELS):
        parent = region.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        region = parent
    return region


def find_attachments(root: HtmlElement, url: str, anchor: HtmlElement | None,
                     extra: HtmlElement | None = None) -> tuple[AttachmentRecord, ...]:
    """Attachment links in the report's region of the page (the content container and its
    nearest ancestors, minus chrome such as related-article lists), in document order."""
    base = _base_url(root, url)
    scopes: list[HtmlElement] = []
    if extra is not None:
        scopes.append(extra)
    scopes.append(_region(anchor) if anchor is not None else root)
    seen: set[str] = set()
    found: list[AttachmentRecord] = []
    for scope in scopes:
        for el in scope.iter("a", "embed", "iframe", "object"):
            href = el.get("href") if el.tag == "a" else (el.get("src") or el.get("data"))
            if not href or href.strip().lower().startswith(("javascript:", "mailto:", "#", "tel:")):
                continue
            text = clean_line(el.text_content()) if el.tag == "a" else ""
            kind = attachment_type(href.strip(), text)
            if kind is None:
                continue
            if _inside_chrome(el, scope):
                continue
            try:
                absolute = urljoin(base, href.strip())
            except ValueError:
                continue
            if absolute in seen:
                continue
            seen.add(absolute)
            found.append(AttachmentRecord(url=absolute, name=_name(el, text, absolute), type=kind))
    return tuple(found)


def _inside_chrome(el: HtmlElement, scope: HtmlElement) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is scope:
            return False
        if is_chrome_element(ancestor):
            return True
    return False


def _name(el: HtmlElement, text: str, url: str) -> str:
    if text and not _GENERIC_NAMES.match(text):
        return text
    title = clean_line(el.get("title") or "")
    if title and not _GENERIC_NAMES.match(title):
        return title
    return _file_name(url) or text or url


# --------------------------------------------------------------------------- file text

_FILE_EXT = re.compile(r"\.([A-Za-z0-9]{2,5})\s*$")


def sniff_type(body: bytes, name: str = "", content_type: str | None = None) -> str | None:
    """The file type from its name, its Content-Type, or its first bytes."""
    match = _FILE_EXT.search(name) if name else None
    if match and not match.group(1).isdigit() and match.group(1).lower() not in ("jsp", "php", "asp", "aspx", "do"):
        return match.group(1).lower()
    if content_type:
        kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind
    if body.startswith(b"%PDF"):
        return "pdf"
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if body.startswith(b"Rar!"):
        return "rar"
    if body.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    return None


def extract_attachment(body: bytes, name: str, content_type: str | None = None,
                       url: str = "") -> AttachmentRecord:
    """Text of one attachment file. Never raises: failures become ``text_status``."""
    kind = sniff_type(body, name, content_type) or "unknown"
    reader = _READERS.get(kind)
    if not body:
        return AttachmentRecord(url, name, kind, body, None, "text not extracted: empty file")
    if reader is None:
        return AttachmentRecord(url, name, kind, body, None,
                                f"text not extracted: no converter for .{kind} files")
    try:
        text = normalise_text(reader(body))
    except Exception as exc:  # noqa: BLE001 — third-party parsers raise anything on bad files
        logger.info("attachment %s unreadable: %r", name, exc)
        return AttachmentRecord(url, name, kind, body, None,
                                f"text not extracted: unreadable .{kind} file ({type(exc).__name__})")
    if not text:
        reason = "no text layer (scanned images?)" if kind == "pdf" else "no text in the file"
        return AttachmentRecord(url, name, kind, body, None, f"text not extracted: {reason}")
    return AttachmentRecord(url, name, kind, body, text, "extracted")


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    pages = []
    for number, page in enumerate(reader.pages):
        if number >= _MAX_ATTACHMENT_TEXT_PAGES:
            break
        pages.append(page.extract_text() or "")
    return "\n".join(pages)


def _docx_text(body: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = etree.QName(block).localname
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = clean_line(cell.text)
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                lines.append(clean_line(CELL_SEPARATOR.join(cells)))
    return "\n".join(lines)


def _ofd_text(body: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(body))
    pages = sorted(n for n in archive.namelist() if re.search(r"Pages/Page_\d+/Content\.xml$", n))
    pages.sort(key=lambda n: [int(d) for d in re.findall(r"\d+", n)])
    lines: list[str] = []
    for page in pages:
        tree = etree.fromstring(archive.read(page), parser=etree.XMLParser(resolve_entities=False, no_network=True))
        rows: dict[float, list[tuple[float, str]]] = {}
        for obj in tree.iter("{*}TextObject"):
            for code in obj.iter("{*}TextCode"):
                y = float(code.get("Y") or 0) + float((obj.get("Boundary") or "0 0").split()[1])
                x = float(code.get("X") or 0) + float((obj.get("Boundary") or "0").split()[0])
                rows.setdefault(round(y, 1), []).append((x, code.text or ""))
        for y in sorted(rows):
            lines.append("".join(text for _x, text in sorted(rows[y])))
    return "\n".join(lines)


def _txt_text(body: bytes) -> str:
    from crawler.extraction.encoding import decode_html

    return decode_html(body)[0]


_READERS = {"pdf": _pdf_text, "docx": _docx_text, "ofd": _ofd_text, "txt": _txt_text}
