"""Attachments: links to report files near the body, and the text inside those files.

Linked types: :data:`crawler.extraction.readers.ATTACHMENT_TYPES`. The type comes from the
URL path, a ``filename=`` style query parameter (Hanweb ``downfile.jsp``), or the link
text. A file's text comes from its reader (:mod:`crawler.extraction.readers`); a file no
reader can read (ZIP, RAR, a broken or over-limit document) is kept as a file and marked
``text not extracted: <reason>``.
"""

from __future__ import annotations

import logging
import posixpath
import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml.html import HtmlElement

from archive.records import AttachmentRecord
from crawler.extraction.boilerplate import is_chrome_element
from crawler.extraction.readers import (
    ATTACHMENT_TYPES,
    OCR,
    DocumentError,
    ReadLimits,
    read_document,
    sniff_type,
)
from crawler.extraction.text import clean_line, normalise_text

logger = logging.getLogger(__name__)

_EXT = re.compile(r"\.([A-Za-z]{2,4})\s*$")
_GENERIC_NAMES = re.compile(r"^(?:附件\s*\d*|下载|点击下载|点此下载|查看|点击查看|下载附件|附件下载|pdf|PDF|原文|"
                            r"here|download|\d+)\s*[:：]?$")
_REGION_LEVELS = 3


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


_SCAN_EXT = re.compile(r"\.(png|jpe?g|gif|bmp|tiff?)$", re.I)
_NOT_SCANS = re.compile(r"icon|logo|qr|ewm|erweima|share|btn|button|arrow|spacer|blank|banner|print|close|"
                        r"weixin|weibo|wechat|jiucuo|dot|line|bg[_.-]", re.I)
_MIN_SCAN_PIXELS = 300  # a page scan is wide; icons, bullets and badges are not


def find_scans(root: HtmlElement, block: HtmlElement, url: str, seen: set[str]) -> tuple[AttachmentRecord, ...]:
    """``<img>`` page scans inside the report body ``block``, in document order."""
    base = _base_url(root, url)
    found: list[AttachmentRecord] = []
    for img in block.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.startswith("data:") or _NOT_SCANS.search(src) or _inside_chrome(img, block):
            continue
        sizes = [img.get(name, "").rstrip("px").strip() for name in ("width", "height")]
        if any(size.isdigit() and int(size) < _MIN_SCAN_PIXELS for size in sizes[:1]):
            continue
        try:
            absolute = urljoin(base, src)
            path = unquote(urlsplit(absolute).path)
        except ValueError:
            continue
        match = _SCAN_EXT.search(path)
        if match is None or absolute in seen:
            continue
        seen.add(absolute)
        kind = match.group(1).lower()
        name = clean_line(img.get("alt") or "") or posixpath.basename(path)
        found.append(AttachmentRecord(url=absolute, name=name, type=kind))
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


def extract_attachment(body: bytes, name: str, content_type: str | None = None,
                       url: str = "", limits: ReadLimits | None = None) -> AttachmentRecord:
    """Text of one attachment file. Never raises: failures become ``text_status``."""
    kind = sniff_type(body, name, content_type) or "unknown"
    if not body:
        return AttachmentRecord(url, name, kind, body, None, "text not extracted: empty file")
    try:
        result = read_document(body, kind, limits or ReadLimits())
        text = normalise_text(result.text)
    except DocumentError as exc:
        logger.info("attachment %s: %s", name, exc)
        return AttachmentRecord(url, name, kind, body, None, f"text not extracted: {exc}")
    except Exception as exc:  # noqa: BLE001 — third-party parsers raise anything on bad files
        logger.info("attachment %s unreadable: %r", name, exc)
        return AttachmentRecord(url, name, kind, body, None,
                                f"text not extracted: unreadable .{kind} file ({type(exc).__name__})")
    if not text:
        reason = "no text layer, and OCR found no text" if result.text_source == OCR else "no text in the file"
        return AttachmentRecord(url, name, kind, body, None, f"text not extracted: {reason}")
    return AttachmentRecord(url, name, kind, body, text, "extracted", result.text_source, result.confidence)
