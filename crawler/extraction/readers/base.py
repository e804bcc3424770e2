"""The contract of a document reader: bytes and limits in, text and where it came from out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Where a text came from.
TEXT_LAYER = "text_layer"  # the document's own text (PDF text layer, DOCX/OFD XML, plain text)
OCR = "ocr"  # Tesseract on page images
CONVERTER = "converter"  # LibreOffice turned a legacy Office/WPS file into a readable one
HTML = "html"  # the report page itself


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one document may cost (``documents.*`` settings)."""

    max_pages: int = 200
    max_seconds: float = 600.0
    max_memory_mb: int = 2048
    ocr_dpi: int = 200

    def __post_init__(self) -> None:
        if self.max_pages < 1 or self.max_seconds <= 0 or self.max_memory_mb < 64 or not 72 <= self.ocr_dpi <= 600:
            raise ValueError(f"bad document limits: {self!r}")


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The text of one document; ``confidence`` is Tesseract's mean word confidence (0–100) for OCR."""

    text: str
    text_source: str
    confidence: float | None = None
    pages: int | None = None


class DocumentError(Exception):
    """A document that cannot be read; the message is the reason shown as its text status."""


class OverLimitError(DocumentError):
    """A document over one of the :class:`ReadLimits`."""


class Reader(Protocol):
    """A reader module's ``read`` function (pure: no settings, no network, safe in a worker process)."""

    def __call__(self, body: bytes, limits: ReadLimits) -> ReadResult: ...
