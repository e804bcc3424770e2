"""A report page whose own text is only a pointer ("详见附件", a scanned page image) takes the
text of its documents: the page's lines, then each readable attachment's text in page order.

The combined text says where it came from: ``ocr`` when any part was read by Tesseract (with the
lowest confidence among them: the weakest page is what a reader should be warned of), else the
documents' own source; a page with enough text of its own keeps it, and ``html``.
"""

from __future__ import annotations

import dataclasses

from archive.records import AttachmentRecord, ExtractedReport
from crawler.extraction.containers import has_words
from crawler.extraction.readers.base import OCR
from crawler.extraction.text import normalise_text, normalised_hash

#: Below this many CJK characters, letters and digits a page is a pointer to its documents.
STUB_WORDS = 300


def is_stub(text: str) -> bool:
    """A page text too short to be the report itself."""
    return not has_words(text, STUB_WORDS)


def with_document_text(report: ExtractedReport, attachments: tuple[AttachmentRecord, ...]) -> ExtractedReport:
    """``report`` with ``attachments``, and their text folded in when the page is a stub."""
    readable = [a for a in attachments if a.text]
    if not readable or not is_stub(report.text):
        return dataclasses.replace(report, attachments=attachments)
    text = normalise_text("\n".join([report.text, *(a.text or "" for a in readable)]))
    sources = {a.text_source for a in readable}
    confidences = [a.ocr_confidence for a in readable if a.text_source == OCR and a.ocr_confidence is not None]
    source = OCR if OCR in sources else (sources.pop() if len(sources) == 1 else "text_layer") or "text_layer"
    return dataclasses.replace(report, attachments=attachments, text=text, text_hash=normalised_hash(text),
                               text_source=source, ocr_confidence=min(confidences) if confidences else None)
