"""One report file (PDF, DOCX, DOC, WPS, OFD, an image …) → :class:`archive.records.ExtractedReport`.

The text comes from the file's reader (:mod:`crawler.extraction.readers`); the metadata from the
text itself, as for a page that lacks it (:func:`crawler.extraction.metadata.complete_from_text`):
the title is the first line when it reads like one, else the file name.
"""

from __future__ import annotations

import posixpath
import re

from archive.records import ExtractedReport
from crawler.extraction.attachments import extract_attachment
from crawler.extraction.errors import NoReportText
from crawler.extraction.metadata import Metadata, complete_from_text
from crawler.extraction.readers import ReadLimits, sniff_type
from crawler.extraction.text import normalised_hash

_MAX_TITLE = 80
_SENTENCE = re.compile(r"[，。；,;]")  # a title is not a sentence


def is_document(body: bytes, name: str, content_type: str | None = None) -> bool:
    """Whether these bytes are a file a reader handles rather than an HTML page."""
    from crawler.extraction.readers import READABLE_TYPES, magic_type

    kind = sniff_type(body, name, content_type)
    if kind in ("html", "htm", "shtml", "xhtml") or (kind == "txt" and body.lstrip()[:1] == b"<"):
        return False
    return kind in READABLE_TYPES or magic_type(body) is not None


def extract_document(body: bytes, name: str, content_type: str | None = None, url: str = "",
                     limits: ReadLimits | None = None, title: str | None = None) -> ExtractedReport:
    """The report a file holds. Raises :class:`NoReportText` with the reason when it has no text."""
    record = extract_attachment(body, name, content_type, url, limits)
    if not record.text:
        raise NoReportText(record.text_status.removeprefix("text not extracted: "))
    lines = record.text.split("\n")
    first = lines[0] if lines else ""
    looks_like_title = len(first) <= _MAX_TITLE and not _SENTENCE.search(first)
    meta = Metadata(title=title or (first if looks_like_title else posixpath.splitext(name)[0]))
    meta = complete_from_text(meta, lines)
    return ExtractedReport(
        title=meta.title or name, text=record.text, publisher=meta.publisher, written_date=meta.written_date,
        doc_no=meta.doc_no, report_year=meta.report_year, attachments=(record,),
        text_hash=normalised_hash(record.text), text_source=record.text_source or "text_layer",
        ocr_confidence=record.ocr_confidence,
    )
