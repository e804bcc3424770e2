"""Images (a scanned page as PNG, JPEG, TIFF, GIF or BMP): Tesseract, frame by frame for TIFF."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from crawler.extraction.readers.base import OCR, DocumentError, OverLimitError, ReadLimits, ReadResult
from crawler.extraction.readers.ocr import ocr_image, without_seals
from crawler.extraction.readers.tools import Deadline

_MAX_PIXELS = 80_000_000  # a 300-dpi A0 poster; beyond this Pillow's decompression-bomb guard trips


def read(body: bytes, limits: ReadLimits) -> ReadResult:
    from PIL import Image, UnidentifiedImageError

    deadline = Deadline(limits.max_seconds)
    try:
        image = Image.open(io.BytesIO(body))
        frames = getattr(image, "n_frames", 1)
        width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DocumentError(f"unreadable image ({type(exc).__name__})") from exc
    if frames > limits.max_pages:
        raise OverLimitError(f"{frames} pages, over the limit of {limits.max_pages}")
    if width * height > _MAX_PIXELS:
        raise OverLimitError(f"{width}×{height} pixels, over the limit of {_MAX_PIXELS}")
    dpi = image.info.get("dpi")
    resolution = int(dpi[0]) if dpi and 72 <= dpi[0] <= 1200 else None
    paragraphs: list[str] = []
    weighted, chars = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="govarchive-img-") as tmp:
        for number in range(frames):
            image.seek(number)
            path = Path(tmp) / f"f{number}.png"
            # one lossless grey frame without seal ink: Tesseract reads every format the same way
            without_seals(image).save(path)
            page = ocr_image(str(path), deadline, limits.max_memory_mb, resolution or 200)
            paragraphs += page.lines
            weighted, chars = weighted + page.weighted_confidence, chars + page.chars
    return ReadResult("\n".join(paragraphs), OCR, round(weighted / chars, 1) if chars else 0.0, frames)
