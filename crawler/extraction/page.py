"""One report page (bytes) → :class:`archive.records.ExtractedReport`."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from archive.records import AttachmentRecord, ExtractedReport
from crawler.extraction.attachments import attachment_type, find_attachments, find_scans
from crawler.extraction.boilerplate import drop_hidden, filter_lines, prune_container, prune_link_lists
from crawler.extraction.combine import is_stub
from crawler.extraction.containers import Container, candidates, densest_block, word_count
from crawler.extraction.encoding import decode_html
from crawler.extraction.errors import NoReportText
from crawler.extraction.metadata import complete_from_text, read_page_metadata
from crawler.extraction.readers import IMAGE_TYPES
from crawler.extraction.text import join_lines, normalise_text, normalised_hash, render_lines

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
MIN_REPORT_CHARS = 20  # CJK/letters/digits of a report without attachments
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PROSE = re.compile(r"[，。；：、]")
_MAGIC = (
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP or Office document"),
    (b"\xd0\xcf\x11\xe0", "an OLE document (DOC/XLS/WPS)"), (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# libxml2 stops at the first </html>; real pages close html/body early (gov.cn's header include)
_EARLY_CLOSE = re.compile(r"</(?:html|body)\s*>", re.I)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses them in text nodes
_CHALLENGE = re.compile(r"\$_ts\s*=|<meta[^>]+\br=[\"']m[\"']|__jsl_clearance|_\$[a-zA-Z]{2}\s*=\s*window", re.I)


def _binary_kind(body: bytes) -> str | None:
    head = body.lstrip()[:8]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return None


def _parse(html: str) -> HtmlElement:
    html = _EARLY_CLOSE.sub("", _XML_DECLARATION.sub("", _NOT_XML.sub("", html), count=1))
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise NoReportText(f"no HTML content ({exc})") from exc


def _enough(lines: list[str], attachments: tuple[AttachmentRecord, ...], prose: bool) -> bool:
    if attachments:
        return True
    words = 0
    for line in lines:
        words += word_count(line[:MIN_REPORT_CHARS * 4])
        if words >= MIN_REPORT_CHARS:
            break
    else:
        return False
    return not prose or any(len(_CJK.findall(line)) >= 40 and _PROSE.search(line) for line in lines)


def _no_text_reason(root: HtmlElement, html: str) -> str:
    if _CHALLENGE.search(html):
        return "anti-bot JavaScript challenge page (no content without running its script)"
    body = next(root.iter("body"), root)
    visible = sum(word_count(t) for t in body.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"))
    if visible < MIN_REPORT_CHARS and (html.count("<script") or html.count("<SCRIPT")):
        return "JavaScript shell: the HTML holds no text until its scripts run"
    return "no report text on the page (only navigation, lists or page chrome)"


def _trafilatura_lines(html: str) -> list[str]:
    try:
        import trafilatura  # slow to import; only the generic last resort needs it
    except ImportError as exc:  # e.g. lxml without lxml_html_clean: the last resort is missing, not the page
        logger.warning("generic extraction unavailable (cannot import trafilatura: %s)", exc)
        return []
    try:
        result = trafilatura.extract(html, include_tables=True, include_comments=False,
                                     include_links=False, include_images=False)
    except Exception as exc:  # noqa: BLE001 — a third-party last resort must not crash the page
        logger.info("trafilatura failed: %r", exc)
        return []
    return result.split("\n") if result else []


def _attachment_links(block: HtmlElement) -> set[HtmlElement]:
    return {a for a in block.iter("a")
            if a.get("href") and attachment_type(a.get("href", "").strip(), a.text_content().strip())}


def _with_scans(lines: list[str], attachments: tuple[AttachmentRecord, ...], root: HtmlElement,
                block: HtmlElement, url: str) -> tuple[AttachmentRecord, ...]:
    """A page with little text of its own may publish the report as page images: list them too."""
    if not is_stub("\n".join(lines)):
        return attachments
    return attachments + find_scans(root, block, url, {a.url for a in attachments})


def _content(known: list[Container], root: HtmlElement, html: str,
             url: str) -> tuple[list[str], tuple[AttachmentRecord, ...]]:
    for container in known:
        fragment = container.element if container.element is not container.anchor else None
        attachments = find_attachments(root, url, container.anchor, fragment)
        prune_container(container.element)
        lines = filter_lines(render_lines(container.element))
        attachments = _with_scans(lines, attachments, root, container.element, url)
        if _enough(lines, attachments, prose=False):
            return lines, attachments
    block = densest_block(root)
    if block is not None:
        attachments = find_attachments(root, url, block)
        prune_container(block)
        prune_link_lists(block, _attachment_links(block))
        lines = filter_lines(render_lines(block))
        attachments = _with_scans(lines, attachments, root, block, url)
        scans = any(a.type in IMAGE_TYPES for a in attachments)
        if _enough(lines, (), prose=True) or (attachments and (scans or _enough(lines, (), prose=False))):
            return lines, attachments
    lines = filter_lines([line.strip() for line in _trafilatura_lines(html)])
    if _enough(lines, (), prose=True):
        return lines, find_attachments(root, url, None)
    raise NoReportText(_no_text_reason(root, html))


def extract_page(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ExtractedReport:
    """Clean report text and exact metadata of one government page.

    Raises :class:`NoReportText` (with the reason) when the page holds no report: empty or
    binary body, a PDF served as HTML, a JavaScript shell or challenge, a list page …
    """
    if not body or not body.strip():
        raise NoReportText("empty body")
    if len(body) > MAX_BODY_BYTES:
        raise NoReportText(f"page too large ({len(body)} bytes, limit {MAX_BODY_BYTES})")
    kind = _binary_kind(body)
    if kind:
        raise NoReportText(f"body is {kind}, not an HTML page")
    html, encoding = decode_html(body, headers)
    damaged = len(_CONTROL.findall(html[:200_000]))
    if damaged > max(10, len(html[:200_000]) // 200):
        raise NoReportText(f"undecodable body: {damaged} control or replacement characters ({encoding})")
    root = _parse(html)
    if _CHALLENGE.search(html[:20_000]) and len(html) < 60_000:
        raise NoReportText(_no_text_reason(root, html))
    drop_hidden(root)  # a hidden copy (text-to-speech, print) is never the text, nor its metadata
    known = list(candidates(root, html))  # before render_lines strips comments
    page_lines = render_lines(root, tables=False)
    meta = read_page_metadata(root, html, url, page_lines)
    lines, attachments = _content(known, root, html, url)
    meta = complete_from_text(meta, lines)
    text = normalise_text(join_lines(lines))
    title = meta.title or (lines[0] if lines and len(lines[0]) <= 80 else "")
    return ExtractedReport(
        title=title, text=text, publisher=meta.publisher, pub_date=meta.pub_date,
        written_date=meta.written_date, index_no=meta.index_no, doc_no=meta.doc_no,
        validity=meta.validity, report_year=meta.report_year, site_name=meta.site_name,
        column=meta.column, site_code=meta.site_code, attachments=attachments, text_hash=normalised_hash(text),
    )
