"""PDF: the text layer, page by page; pages without one, or whose text layer is garbage (a broken
``ToUnicode`` map gives mojibake), are rendered by pdftoppm (in colour, so that red seal ink can be
taken out) and read by Tesseract.

The text layer comes from poppler's ``pdftotext`` (reading order as laid out: pypdf puts quotes
drawn in a fallback font out of place in Word/LibreOffice PDFs), else from pypdf (which knows the
Adobe CID fonts that PDFs made without embedded fonts use, and poppler only with poppler-data). A
space next to a Chinese character is layout, not content (the gap LibreOffice leaves between
Chinese and digits), and is dropped, as the archive's normal form does.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeGuard

from crawler.extraction.readers.base import (
    OCR,
    TEXT_LAYER,
    DocumentError,
    OverLimitError,
    ReadLimits,
    ReadResult,
)
from crawler.extraction.readers.garbage import is_garbage
from crawler.extraction.readers.ocr import PageText, ocr_image, without_seals
from crawler.extraction.readers.tools import Deadline, run

_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK}])")


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
    poppler = _pdftotext(body, count, deadline, limits)
    texts: list[str | None] = []
    for number, page in enumerate(reader.pages):
        deadline.left()
        text = poppler[number] if _readable(poppler[number]) else _pypdf_text(page)
        texts.append(_SPACE_NEAR_CJK.sub("", text) if _readable(text) else None)
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
            for number, scan in zip(scans, done, strict=True):
                texts[number] = "\n".join(scan.lines)
                weighted, chars = weighted + scan.weighted_confidence, chars + scan.chars
    if not chars:  # blank pages, or pictures without words
        text = "\n".join(t or "" for t in texts)
        return ReadResult(text, TEXT_LAYER if text.strip() else OCR, pages=count)
    return ReadResult("\n".join(t or "" for t in texts), OCR, round(weighted / chars, 1), count)


def _readable(text: str | None) -> TypeGuard[str]:
    compact = "".join((text or "").split())
    return bool(compact) and not is_garbage(compact)


def _pypdf_text(page: Any) -> str:
    try:
        return str(page.extract_text() or "")
    except Exception:  # noqa: BLE001 — a broken content stream costs that page its text layer
        return ""


def _pdftotext(body: bytes, count: int, deadline: Deadline, limits: ReadLimits) -> list[str | None]:
    """Each page's text by poppler (form feeds part the pages); ``None`` for all when it fails."""
    try:
        out = run(["pdftotext", "-enc", "UTF-8", "-q", "-", "-"], deadline, limits.max_memory_mb, stdin=body)
    except OverLimitError:
        raise
    except DocumentError:  # not installed, or a PDF poppler refuses: pypdf alone
        return [None] * count
    pages: list[str | None] = list(out.decode("utf-8", "replace").split("\f"))
    return (pages + [None] * count)[:count]


def _ocr_page(source: Path, number: int, tmp: str, deadline: Deadline, limits: ReadLimits) -> PageText:
    prefix = Path(tmp) / f"p{number}"
    run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(limits.ocr_dpi), "-png",
         "-singlefile", str(source), str(prefix)], deadline, limits.max_memory_mb)
    image = prefix.with_suffix(".png")
    from PIL import Image

    with Image.open(image) as rendered:
        without_seals(rendered).save(image)
    try:
        return ocr_image(str(image), deadline, limits.max_memory_mb, limits.ocr_dpi)
    finally:
        image.unlink(missing_ok=True)
