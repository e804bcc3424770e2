"""Capture storage: an exchange's objects (body, WARC record or revisit, attachments) written
before any row names them, its capture row, and its de-duplication key."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from archive.catalog.models import Capture, Report
from archive.changes import normalise_text, sha256_hex
from archive.recorder.core import ArchiveCore, RecordResult
from archive.recorder.ids import Ids
from archive.recorder.lookups import Lookups
from archive.records import AttachmentRecord, FetchedPage
from archive.timeutil import as_utc as _utc
from archive.warc import RevisitTarget, build_capture_warc

EMPTY_BODY = sha256_hex(b"")


_LAST = threading.local()  # .page, .digests: the page asked about last (recording asks 6–8 times)


def _digests(page: FetchedPage) -> tuple[str, str]:
    """(SHA-256 of the body, capture key) of ``page``, computed once for the page in hand."""
    if getattr(_LAST, "page", None) is page:
        return _LAST.digests
    body = sha256_hex(page.body)
    identity = "\n".join(
        (page.method.upper(), page.url, page.final_url or "", _utc(page.fetched_at).isoformat(), str(page.status), body)
    )
    _LAST.page, _LAST.digests = page, (body, hashlib.sha256(identity.encode("utf-8")).hexdigest())
    return _LAST.digests


def capture_key(page: FetchedPage) -> str:
    """The de-duplication key of one exchange (hex SHA-256)."""
    return _digests(page)[1]


def body_digest(page: FetchedPage) -> str:
    """SHA-256 hex of the exchange's body (its payload digest)."""
    return _digests(page)[0]


@dataclass(slots=True)
class _StoredAttachment:
    record: AttachmentRecord
    blob_key: str | None = None
    sha256: str | None = None
    text_key: str | None = None


@dataclass(slots=True)
class _CaptureObjects:
    payload_key: str | None  # a separate body object: none since the body is stored once (in the WARC)
    warc_key: str
    warc_type: str
    digest: str
    attachments: list[_StoredAttachment] = field(default_factory=list)

    @property
    def raw_key(self) -> str | None:
        """The body's content address (``Version.raw_key``); ``archive.payloads.raw_body`` reads it."""
        return self.payload_key or (self.digest if self.digest != EMPTY_BODY else None)


class CapturesMixin(ArchiveCore):
    """Write an exchange's objects and its capture row; recognise an exchange recorded before."""

    @staticmethod
    def _replay(db: Session, page: FetchedPage) -> RecordResult | None:
        capture = Lookups.of(db).capture(capture_key(page))
        if capture is None:
            return None
        version = None
        if capture.report_id is not None:
            report = db.get(Report, capture.report_id)
            version = report.current_version if report else None
        return RecordResult(capture.outcome, capture.report_id, version)

    def _revisit_target(self, db: Session, page: FetchedPage) -> RevisitTarget | None:
        if not 200 <= page.status < 300:
            return None
        earlier = Lookups.of(db).earliest_response(page.url, body_digest(page))
        if earlier is None or earlier.dedup_key is None:
            return None
        return RevisitTarget(earlier.url, earlier.fetched_at, earlier.dedup_key)

    def _store_capture(
        self, page: FetchedPage, revisit: RevisitTarget | None, attachments: Iterable[AttachmentRecord] = ()
    ) -> _CaptureObjects:
        """Write the exchange's objects (before any row names them).

        The body is stored once: in this WARC's response record, or — for a revisit — in the
        earlier capture's (``archive.payloads``); no separate payload object.
        """
        payload_key = None
        warc = build_capture_warc(page, seed=capture_key(page), revisit_of=revisit, body_sha256=body_digest(page))
        warc_key = self.store.put_bytes(warc.data)
        stored: list[_StoredAttachment] = []
        for record in attachments:
            item = _StoredAttachment(record)
            if record.body is not None:
                item.blob_key = self.store.put_bytes(record.body)
                item.sha256 = sha256_hex(record.body)
            if record.text:
                item.text_key = self.store.put_bytes(normalise_text(record.text).encode("utf-8"))
            stored.append(item)
        return _CaptureObjects(payload_key, warc_key, warc.record_type, body_digest(page), stored)

    def _add_capture(
        self,
        db: Session,
        page: FetchedPage,
        objects: _CaptureObjects,
        *,
        source_id: int,
        report: Report | None,
        run_id: int | None,
        outcome: str,
    ) -> RecordResult:
        """Add the capture row of an answer that made no version; the result names the report as it is."""
        report_id = report.id if report else None
        # no version names this row: it waits for the batch's one INSERT (Lookups.write_captures)
        Lookups.of(db).queue_capture(
            self._capture_fields(db, page, objects, source_id=source_id, report_id=report_id, run_id=run_id,
                                 outcome=outcome)
        )
        return RecordResult(outcome, report_id, report.current_version if report else None)

    @staticmethod
    def _add_capture_row(db: Session, capture: Capture) -> None:
        """Add a capture row a version will name (inserted with the batch's other rows)."""
        db.add(capture)
        Lookups.of(db).added_capture(capture)

    @staticmethod
    def _capture_fields(
        db: Session,
        page: FetchedPage,
        objects: _CaptureObjects,
        *,
        source_id: int,
        report_id: int | None,
        run_id: int | None,
        outcome: str,
    ) -> dict[str, Any]:
        return {
            "id": Ids.of(db).next(Capture),  # in recording order, like the database's own
            "source_id": source_id,
            "report_id": report_id,
            "run_id": run_id,
            "url": page.url,
            "fetched_at": _utc(page.fetched_at),
            "status": page.status,
            "content_type": page.headers.get("content-type"),
            "etag": page.etag,
            "last_modified": page.last_modified,
            "payload_digest": objects.digest,
            "payload_key": objects.payload_key,
            "warc_key": objects.warc_key,
            "warc_type": objects.warc_type,
            "outcome": outcome,
            "dedup_key": capture_key(page),
        }
