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
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.records import ExtractedReport
from archive.soft404 import is_soft_404
from archive.textnorm import normalise_text, normalised_hash, sha256_hex, text_hash

__all__ = [
    "IDENTITY_FIELDS", "Fingerprint", "can_identify_move", "changed_fields", "decide", "identity_metadata",
    "is_soft_404", "metadata_hash", "normalise_text", "normalised_hash", "sha256_hex", "text_hash",
]

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

def _normalise_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return normalise_text(" ".join(value.splitlines())) or None
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
        # ``text_hash`` is the hash of the text's normal form: when it is the hash of ``text`` as
        # given, the text is already in normal form (extraction hands it so) and is not redone.
        text, digest = report.text, normalised_hash(report.text)
        if digest != report.text_hash:
            text = normalise_text(text)
            digest = normalised_hash(text)
        metadata = identity_metadata(report)
        return cls(text, digest, metadata, metadata_hash(metadata))


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


def can_identify_move(normalised: str) -> bool:
    """Whether a text is specific enough for "same text at a new URL means the same report"."""
    return len(normalised) >= MIN_MOVE_TEXT_CHARS
