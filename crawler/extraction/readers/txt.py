"""Plain text, in whatever Chinese encoding it was saved (the page decoder's detection)."""

from __future__ import annotations

from crawler.extraction.readers.base import TEXT_LAYER, ReadLimits, ReadResult


def read(body: bytes, limits: ReadLimits) -> ReadResult:
    from crawler.extraction.encoding import decode_html

    return ReadResult(decode_html(body)[0], TEXT_LAYER)
