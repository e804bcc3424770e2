"""Bytes → text for government pages: declared charsets first, detection when they lie.

Order: byte-order mark, HTTP ``Content-Type`` charset, ``<meta charset>`` /
``http-equiv``; a declared charset is accepted only when it decodes strictly *and* the
result looks like plausible text. Otherwise charset-normalizer and the usual Chinese
encodings compete on the same plausibility score. GB2312/GBK are always decoded as
GB18030 (its superset), because pages labelled gb2312 routinely contain GBK characters.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "gb_2312-80": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030", "csgb2312": "gb18030",
    "big5-hkscs": "big5hkscs", "x-big5": "big5", "iso-8859-1": "cp1252", "latin-1": "cp1252",
    "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8", "unicode": "utf-8", "utf8": "utf-8",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([\w.:-]+)", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# C1 controls, replacement, private use, Hangul: none belongs on a Chinese government page
_SUSPECT = re.compile(r"[\x80-\x9f\ufffd\ue000-\uf8ff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
_LATIN_HIGH = re.compile(r"[\xa1-\xff]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SNIFF_BYTES = 4096
_SAMPLE_CHARS = 4000


def canonical_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset, ``None`` when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def _as_text(value: object) -> str:
    if isinstance(value, list | tuple):  # Scrapy's Headers map names to lists of values
        value = value[0] if value else ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def header_charset(headers: Mapping[str, str] | Mapping[bytes, object] | None) -> str | None:
    """The charset of a ``Content-Type`` header (any name case; str or bytes), if any."""
    if not headers:
        return None
    for name, value in headers.items():
        if _as_text(name).lower() == "content-type" and value:
            match = _HEADER_CHARSET.search(_as_text(value))
            return canonical_encoding(match.group(1)) if match else None
    return None


def meta_charset(body: bytes) -> str | None:
    """The charset declared in the first kilobytes (``<meta>`` or XML declaration)."""
    head = body[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_DECL.search(head)
    return canonical_encoding(match.group(1).decode("ascii", "ignore")) if match else None


def _count(runs: re.Pattern[str], text: str) -> int:
    """Characters of ``text`` in the class ``runs`` matches runs of (one string per run, not per character)."""
    return sum(map(len, runs.findall(text)))


def plausibility(text: str) -> float:
    """Score in [0, 1]: how much decoded ``text`` looks like real (Chinese) text.

    Mojibake shows up as C1 controls, private-use or replacement characters, runs of
    Latin-1 letters, or CJK characters outside the common GB2312 level-1 set.
    """
    sample = text[:_SAMPLE_CHARS] if len(text) <= 3 * _SAMPLE_CHARS else (
        text[:_SAMPLE_CHARS] + text[len(text) // 2: len(text) // 2 + _SAMPLE_CHARS])
    # every class below is non-ASCII: counted in the non-ASCII characters alone (the same sums,
    # on a string without the page's markup)
    sample = "".join(_NON_ASCII.findall(sample))
    non_ascii = len(sample)
    if not non_ascii:
        return 1.0
    # a clean page has none of either: one scan that finds nothing is cheaper than counting
    suspect = _count(_SUSPECT, sample) if _SUSPECT.search(sample) else 0
    latin = _count(_LATIN_HIGH, sample) if _LATIN_HIGH.search(sample) else 0
    cjk = _count(_CJK, sample)
    common = _count(_COMMON_HANZI, sample)
    score = 1.0 - min(1.0, 4 * suspect / non_ascii)
    if latin > 8 and latin > 0.2 * non_ascii:
        score *= 1.0 - latin / non_ascii
    if cjk >= 10:
        score *= min(1.0, (common / cjk) / 0.8)
    return score


def _common_hanzi() -> re.Pattern[str]:
    """GB2312 level 1: the 3755 most common characters (rows 0xB0–0xD7)."""
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return re.compile("[" + "".join(chars) + "]+")


_COMMON_HANZI = _common_hanzi()


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


_GOOD = 0.85


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns ``(text, encoding used)``.

    Never raises: when no candidate decodes cleanly, the least damaged lossy decoding
    is returned with ``"<codec>+replace"`` as the encoding, so callers can reject it.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = _strict(body[len(bom):], encoding)
            if text is not None:
                return text, encoding
    declared = [e for e in (header_charset(headers), meta_charset(body)) if e]
    tried: dict[str, tuple[float, str]] = {}
    for encoding in dict.fromkeys(declared + ["utf-8"]):
        text = _strict(body, encoding)
        if text is None:
            continue
        score = plausibility(text)
        if score >= _GOOD:
            return text, encoding
        tried[encoding] = (score, text)
    guesses = ["gb18030", "big5"]  # ties go to the usual encodings of Chinese portals
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        guessed = canonical_encoding(best.encoding)
        if guessed:
            guesses.append(guessed)
    for encoding in dict.fromkeys(guesses):
        if encoding in tried:
            continue
        text = _strict(body, encoding)
        if text is not None:
            tried[encoding] = (plausibility(text), text)
    if tried:
        encoding, (score, text) = max(tried.items(), key=lambda item: item[1][0])
        if score > 0.3:
            return text, encoding
    lossy = [(body.decode(enc, "replace"), enc) for enc in dict.fromkeys(declared + ["utf-8", "gb18030"])]
    text, encoding = max(lossy, key=lambda item: plausibility(item[0]))
    return text, f"{encoding}+replace"
