"""Page work: the one entry point "page or document bytes → extraction result".

``extract_bytes(job)`` is what the page-work pool runs in its worker processes (and what runs
inline when the pool is off). A reader for a new kind of document (OCR of scans, more office
formats) plugs in behind ``extract_attachment``; slow work placed there runs in the pool, off
the crawl's reactor, on the machine's other cores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from archive.records import AttachmentRecord, ExtractedReport
from crawler.extraction import extract_attachment, extract_page

JOB_KINDS = ("page", "document")


@dataclass(frozen=True, slots=True)
class PageJob:
    """Bytes to extract: a report ``page`` (HTML) or a ``document`` (an attachment or a file report)."""

    kind: str
    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    name: str = ""  # a document's file name
    content_type: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in JOB_KINDS:
            raise ValueError(f"unknown page-work kind {self.kind!r}")


def extract_bytes(job: PageJob) -> ExtractedReport | AttachmentRecord:
    """A page → its ExtractedReport (raises NoReportText / ExtractionError); a document → its
    AttachmentRecord (never raises: failures are its ``text_status``)."""
    if job.kind == "page":
        return extract_page(job.body, job.url, dict(job.headers))
    return extract_attachment(job.body, job.name, job.content_type, job.url)
