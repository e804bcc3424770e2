"""Page → report: clean text and exact metadata from Chinese government portal pages.

Public API::

    extract_page(body, url, headers=None) -> ExtractedReport   # raises NoReportText
    decode_html(body, headers) -> (text, encoding)
    extract_attachment(body, name, content_type=None, url="", limits=None) -> AttachmentRecord
    read_document(body, kind, limits) -> ReadResult      # readers/: one module per format
    normalise_text(text) -> str;  text_hash(text) -> str

Depends on ``archive.records`` only (plus lxml, charset-normalizer, pypdf, python-docx, Pillow,
the programs Tesseract, pdftoppm and LibreOffice for scans and legacy files, and, as the last
resort for unknown templates, trafilatura).
"""

from __future__ import annotations

from crawler.extraction.attachments import extract_attachment
from crawler.extraction.boilerplate import CHROME_LINES, CHROME_PHRASES, leaks
from crawler.extraction.encoding import decode_html
from crawler.extraction.errors import ExtractionError, NoReportText
from crawler.extraction.page import extract_page
from crawler.extraction.readers import ATTACHMENT_TYPES, ReadLimits, read_document, sniff_type
from crawler.extraction.text import CELL_SEPARATOR, normalise_text, text_hash

__all__ = [
    "ATTACHMENT_TYPES", "CELL_SEPARATOR", "CHROME_LINES", "CHROME_PHRASES", "ExtractionError", "NoReportText",
    "ReadLimits", "decode_html", "extract_attachment", "extract_page", "leaks", "normalise_text", "read_document",
    "sniff_type", "text_hash",
]
