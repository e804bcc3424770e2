"""PDF: the text layer (pypdf), page by page; pages without one, or whose text layer is garbage
(a broken ``ToUnicode`` map gives mojibake), are rendered by pdftoppm and read by Tesseract."""

from __future__ import annotations

import io
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crawler.extraction.readers.base import (
    OCR,
    TEXT_LAYER,
    DocumentError,
    OverLimitError,
    ReadLimits,
    ReadResult,
)
from crawler.extraction.readers.garbage import is_garbage
from crawler.extraction.readers.ocr import PageText, ocr_image
from crawler.extraction.readers.tools import Deadline, run


def read(body: bytes, limits: ReadLimits) -> ReadResult:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    deadline = Deadline(limits.max_seconds)
    try:
        reader = PdfReader(io.BytesIO(body))
        count = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"unreadable .pdf file ({type(exc).__name__})") from exc
    if count > limits.max_pages:
        raise OverLimitError(f"{count} pages, over the limit of {limits.max_pages}")
    texts: list[str | None] = []
    for page in reader.pages:
        deadline.left()
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 — a broken content stream costs that page its text layer
            text = ""
        compact = "".join(text.split())
        texts.append(None if not compact or is_garbage(compact) else text)
    scans = [number for number, text in enumerate(texts) if text is None]
    if not scans:
        return ReadResult("\n".join(t or "" for t in texts), TEXT_LAYER, pages=count)
    weighted, chars = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="govarchive-pdf-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(body)
        # pages are independent: one per core at once (the tools' slots bound the whole process)
        with ThreadPoolExecutor(max_workers=min(len(scans), os.cpu_count() or 1)) as pool:
            done = pool.map(lambda n: _ocr_page(source, n + 1, tmp, deadline, limits), scans)
            for number, page in zip(scans, done, strict=True):
                texts[number] = "\n".join(page.lines)
                weighted, chars = weighted + page.weighted_confidence, chars + page.chars
    if not chars:  # blank pages, or pictures without words
        text = "\n".join(t or "" for t in texts)
        return ReadResult(text, TEXT_LAYER if text.strip() else OCR, pages=count)
    return ReadResult("\n".join(t or "" for t in texts), OCR, round(weighted / chars, 1), count)


def _ocr_page(source: Path, number: int, tmp: str, deadline: Deadline, limits: ReadLimits) -> PageText:
    prefix = Path(tmp) / f"p{number}"
    run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(limits.ocr_dpi), "-gray", "-png",
         "-singlefile", str(source), str(prefix)], deadline, limits.max_memory_mb)
    image = prefix.with_suffix(".png")
    try:
        return ocr_image(str(image), deadline, limits.max_memory_mb, limits.ocr_dpi)
    finally:
        image.unlink(missing_ok=True)
