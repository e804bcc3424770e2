"""Fixity: re-hash every object the catalog names; find missing, corrupt and orphaned objects.

An object is *named* by a catalog column (captures.payload_key / warc_key, versions.text_key /
raw_key, attachments.blob_key / text_key, bundles.key). Missing or corrupt named objects are
failures; objects in the store that nothing names are *orphans* — informational only (a killed
recording leaves some behind; the next identical recording names them again).

``versions.raw_key`` is a body's content address: since bodies are stored once, the body is the
payload of a response capture's WARC object (``archive.payloads``), re-hashed from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.models import Attachment, Bundle, Capture, Version
from archive.errors import BlobNotFoundError, CorruptObjectError
from archive.payloads import body_from_warc, holding_warcs
from archive.storage import BlobStore

# (table, column) pairs that hold object keys.
NAMED_COLUMNS: tuple[tuple[Any, str], ...] = (
    (Capture, "payload_key"),
    (Capture, "warc_key"),
    (Version, "text_key"),
    (Version, "raw_key"),
    (Attachment, "blob_key"),
    (Attachment, "text_key"),
    (Bundle, "key"),
)
_MAX_REFERENCES = 5  # per problem object in the report; the count is always exact

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class ObjectProblem:
    key: str
    problem: str  # missing / corrupt
    detail: str
    references: list[str] = field(default_factory=list)  # "versions.text_key#12"
    reference_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "problem": self.problem,
            "detail": self.detail,
            "references": self.references,
            "reference_count": self.reference_count,
        }


@dataclass
class VerifyReport:
    """What ``verify_archive`` found."""

    store: str
    checked: int = 0
    ok: int = 0
    missing: list[ObjectProblem] = field(default_factory=list)
    corrupt: list[ObjectProblem] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.corrupt

    def to_json(self) -> dict[str, Any]:
        """The ``govarchive verify --json`` document."""
        return {
            "ok": self.passed,
            "store": self.store,
            "checked": self.checked,
            "intact": self.ok,
            "missing": [p.to_json() for p in self.missing],
            "corrupt": [p.to_json() for p in self.corrupt],
            "orphans": self.orphans,
            "orphan_count": len(self.orphans),
        }


def iter_named_keys(engine: Engine) -> Iterator[tuple[str, str]]:
    """Every (key, "table.column#id") the catalog holds."""
    with Session(engine) as db:
        for table, column in NAMED_COLUMNS:
            attribute = getattr(table, column)
            rows = db.exec(select(table.id, attribute).where(col(attribute).is_not(None)).order_by(table.id))
            for row_id, key in rows:
                yield key, f"{table.__tablename__}.{column}#{row_id}"


def named_objects(engine: Engine) -> dict[str, list[str]]:
    """Object key → the catalog references naming it."""
    named: dict[str, list[str]] = {}
    for key, reference in iter_named_keys(engine):
        named.setdefault(key, []).append(reference)
    return named


def verify_archive(
    engine: Engine, store: BlobStore, *, orphans: bool = True, on_progress: Progress | None = None
) -> VerifyReport:
    """Re-hash every named object; list missing and corrupt ones, and (optionally) orphans.

    Store outages propagate (StoreUnavailableError): an unreachable store is not "all missing".
    """
    named = named_objects(engine)
    report = VerifyReport(store=store.location)
    total = len(named)
    held = _bodies_in_warcs(engine, named)
    for done, key in enumerate(sorted(named), start=1):
        references = named[key]
        try:
            if key in held and not store.exists(key):
                body_from_warc(store, key, held[key])
            else:
                store.verify(key)
        except BlobNotFoundError as exc:
            report.missing.append(
                ObjectProblem(key, "missing", str(exc), references[:_MAX_REFERENCES], len(references))
            )
        except CorruptObjectError as exc:
            report.corrupt.append(
                ObjectProblem(key, "corrupt", str(exc), references[:_MAX_REFERENCES], len(references))
            )
        else:
            report.ok += 1
        report.checked = done
        if on_progress is not None:
            on_progress(done, total)
    if orphans:
        report.orphans = sorted(key for key in store.iter_keys() if key not in named)
    return report


def _bodies_in_warcs(engine: Engine, named: dict[str, list[str]]) -> dict[str, str]:
    """Raw keys named only by versions.raw_key → the WARC object holding that body."""
    raw = [k for k, refs in named.items() if all(r.startswith("versions.raw_key#") for r in refs)]
    with Session(engine) as db:
        return holding_warcs(db, raw)
