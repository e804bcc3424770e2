"""Page → report: clean text and exact metadata from Chinese government portal pages.

Public API::

    extract_page(body, url, headers=None) -> ExtractedReport   # raises NoReportText
    decode_html(body, headers) -> (text, encoding)
    extract_attachment(body, name, content_type=None) -> AttachmentRecord
    normalise_text(text) -> str;  text_hash(text) -> str

Depends on ``archive.records`` only (plus lxml, charset-normalizer, pypdf, python-docx and,
as the last resort for unknown templates, trafilatura).
"""

from __future__ import annotations

from crawler.extraction.attachments import ATTACHMENT_TYPES, extract_attachment
from crawler.extraction.boilerplate import CHROME_LINES, CHROME_PHRASES, leaks
from crawler.extraction.encoding import decode_html
from crawler.extraction.errors import ExtractionError, NoReportText
from crawler.extraction.page import extract_page
from crawler.extraction.text import CELL_SEPARATOR, normalise_text, text_hash

__all__ = [
    "ATTACHMENT_TYPES", "CELL_SEPARATOR", "CHROME_LINES", "CHROME_PHRASES", "ExtractionError", "NoReportText",
    "decode_html", "extract_attachment", "extract_page", "leaks", "normalise_text", "text_hash",
]
