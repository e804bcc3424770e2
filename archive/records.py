"""Plain records that cross the boundary into the archive.

The crawler builds these from what it fetched and extracted; the archive stores them.
They carry no Scrapy or database types, so ``archive`` stays independent of the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A file linked from a report page (PDF, DOCX, DOC, WPS, OFD, XLS …)."""

    url: str
    name: str
    type: str  # lower-case extension without the dot: "pdf", "docx", "wps" …
    body: bytes | None = None  # the downloaded bytes, when fetched
    text: str | None = None  # extracted text, when extraction was possible
    text_status: str = "not fetched"  # "extracted" | "text not extracted: <reason>" | "not fetched"
    text_source: str | None = None  # "text_layer" | "ocr" | "converter", when there is text
    ocr_confidence: float | None = None  # Tesseract's mean word confidence (0–100), for OCR

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (``{"url", "name", "type"}`` plus status and text source)."""
        return {"url": self.url, "name": self.name, "type": self.type, "text_status": self.text_status,
                "text_source": self.text_source, "ocr_confidence": self.ocr_confidence}


@dataclass(frozen=True, slots=True)
class ExtractedReport:
    """Clean text and exact metadata of one report page (see docs/cli.md, ``extract``)."""

    title: str
    text: str
    publisher: str | None = None
    pub_date: dt.date | None = None
    written_date: dt.date | None = None
    index_no: str | None = None
    doc_no: str | None = None
    validity: str | None = None
    report_year: int | None = None
    site_name: str | None = None
    column: str | None = None
    site_code: str | None = None  # the portal's SiteIDCode (its first six digits: the division)
    attachments: tuple[AttachmentRecord, ...] = ()
    text_hash: str = ""  # sha256 hex of the normalised text
    text_source: str | None = "html"  # "html" | "text_layer" | "ocr" | "converter"; None: no text
    ocr_confidence: float | None = None  # for OCR text: Tesseract's mean word confidence (0–100)

    METADATA_FIELDS = (
        "title", "publisher", "pub_date", "written_date", "index_no", "doc_no",
        "validity", "report_year", "site_name", "column", "site_code",
    )

    def metadata(self) -> dict[str, Any]:
        """Metadata fields as JSON-ready values (dates ISO 8601, absent fields None)."""
        out: dict[str, Any] = {}
        for name in self.METADATA_FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``govarchive extract --json`` document."""
        doc = self.metadata()
        doc["text"] = self.text
        doc["attachments"] = [a.to_json() for a in self.attachments]
        doc["text_hash"] = self.text_hash
        doc["text_source"] = self.text_source
        doc["ocr_confidence"] = self.ocr_confidence
        return doc


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """One HTTP exchange as the crawler saw it: the raw material of a capture."""

    url: str  # the URL requested
    status: int
    headers: Mapping[str, str]  # response headers, names lower-case
    body: bytes
    fetched_at: dt.datetime  # timezone-aware UTC
    final_url: str | None = None  # after redirects, when different
    request_headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def record_as_dict(record: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` for any of the records above."""
    return asdict(record)
