"""The change rules: normalise, hash, and decide whether a fetch is a new version.

A version is a distinct (normalised text, identity metadata) pair. The decision never looks at
raw bytes, so page chrome that moves between fetches (view counters, today's date, related links)
cannot make a version once the extractor has removed it from the text; whitespace, line-ending and
Unicode-composition noise cannot either, because the text is normalised first.

Identity metadata: title, publisher, pub_date, written_date, index_no, doc_no, validity,
report_year. ``site_name`` and ``column`` are left out: they describe where the portal files the
page (a redesign renames the site or moves the column), not the report itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.records import ExtractedReport

IDENTITY_FIELDS: tuple[str, ...] = (
    "title",
    "publisher",
    "pub_date",
    "written_date",
    "index_no",
    "doc_no",
    "validity",
    "report_year",
)

# Below this many characters a text is too generic to say "this is the same report" on its own.
MIN_MOVE_TEXT_CHARS = 40

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\u0085]")
# CJK ideographs and punctuation, full-width forms, and the quotes/dashes Chinese text uses.
_CJK = "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
_SPACE_BY_CJK = re.compile(f"(?<={_CJK}) | (?={_CJK})")

_SOFT_404_PHRASES = (
    "页面不存在",
    "页面未找到",
    "您访问的页面",
    "您所访问的页面",
    "找不到页面",
    "信息已删除",
    "该信息已撤销",
    "文章不存在",
    "信息不存在",
    "内容已删除",
    "page not found",
    "404 not found",
)
_SOFT_404_MAX_CHARS = 300


def normalise_text(text: str) -> str:
    """Canonical form of an extracted text: NFC, no blank or padded lines, no spaces next to
    Chinese characters (layout, not content), one plain space elsewhere.

    Chinese punctuation is kept as published (NFC, not NFKC: full-width ``，`` stays ``，``).
    """
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    lines = (_SPACE_BY_CJK.sub("", _SPACES.sub(" ", line)).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_hash(normalised: str) -> str:
    """SHA-256 hex of a normalised text's UTF-8 bytes (equal to its object-store key)."""
    return sha256_hex(normalised.encode("utf-8"))


def _normalise_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return normalise_text(_LINE_BREAKS.sub(" ", value).replace("\n", " ")) or None
    return value


def identity_metadata(report: ExtractedReport) -> dict[str, Any]:
    """The metadata fields that are part of a report's identity, normalised, JSON-ready."""
    return {name: _normalise_value(getattr(report, name)) for name in IDENTITY_FIELDS}


def metadata_hash(metadata: Mapping[str, Any]) -> str:
    """SHA-256 hex over the canonical JSON of identity metadata."""
    canonical = json.dumps(
        {name: metadata.get(name) for name in IDENTITY_FIELDS},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return sha256_hex(canonical.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the change decision compares: nothing else about a fetch matters."""

    text: str  # normalised
    text_hash: str
    metadata: dict[str, Any]
    metadata_hash: str

    @classmethod
    def of(cls, report: ExtractedReport) -> Fingerprint:
        text = normalise_text(report.text)
        metadata = identity_metadata(report)
        return cls(text, text_hash(text), metadata, metadata_hash(metadata))


def decide(previous_text_hash: str | None, previous_metadata_hash: str | None, new: Fingerprint) -> str:
    """``"new"`` (no earlier version), ``"changed"`` or ``"unchanged"``."""
    if previous_text_hash is None:
        return "new"
    if previous_text_hash != new.text_hash or previous_metadata_hash != new.metadata_hash:
        return "changed"
    return "unchanged"


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Identity metadata fields whose values differ, in declaration order."""
    return [name for name in IDENTITY_FIELDS if before.get(name) != after.get(name)]


def is_soft_404(status: int, title: str, normalised: str) -> bool:
    """A 200 page that only says "not found" (portals rarely answer 404 for deleted articles)."""
    if status >= 400:
        return True
    if len(normalised) > _SOFT_404_MAX_CHARS:
        return False
    haystack = f"{title}\n{normalised}".lower()
    return any(phrase in haystack for phrase in _SOFT_404_PHRASES)


def can_identify_move(normalised: str) -> bool:
    """Whether a text is specific enough for "same text at a new URL means the same report"."""
    return len(normalised) >= MIN_MOVE_TEXT_CHARS
