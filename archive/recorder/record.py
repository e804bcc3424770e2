"""Recording a fetched report page: new, changed, unchanged, moved or restored (the rules are in
the package's docstring, the fingerprint in archive/changes.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlmodel import Session

from archive.catalog.models import Capture, Report, ReportUrl
from archive.changes import Fingerprint, can_identify_move, decide, is_soft_404, sha256_hex
from archive.errors import CatalogConflictError, PayloadChangedError
from archive.recorder.captures import body_digest, capture_key
from archive.recorder.checks import ChecksMixin
from archive.recorder.core import RecordResult
from archive.recorder.ids import Ids
from archive.recorder.lookups import Lookups
from archive.recorder.rows import new_row
from archive.records import ExtractedReport, FetchedPage
from archive.timeutil import as_utc as _utc

EMPTY_TEXT_HASH = sha256_hex(b"")
_FINGERPRINTS = "govarchive.fingerprints"  # in a batch session's info: id(report) → (report, fingerprint)


class RecordMixin(ChecksMixin):
    """``record_report``: one fetched report page, one transaction."""

    def record_report(
        self, source: str, page: FetchedPage, report: ExtractedReport, *, run_id: int | None = None
    ) -> RecordResult:
        """Record a fetched report page: new, changed, unchanged, moved or restored."""
        fingerprint = self._fingerprint(report)
        if is_soft_404(page.status, fingerprint.metadata.get("title") or "", fingerprint.text):
            return self.record_missing(source, page, run_id=run_id)
        return self._transact(lambda db: self._record_report(db, source, page, report, fingerprint, run_id))

    def record_same_payload(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult:
        """Record a 200 whose body is byte-identical to its report's current version (the crawler
        compared it with ``KnownReport.payload_digest``): ``unchanged`` without extracting it.

        PayloadChangedError when the body is not the current version's (extract and record it).
        """
        return self._transact(lambda db: self._record_report(db, source, page, None, None, run_id))

    def prefetch(self, pages: Sequence[FetchedPage], reports: Sequence[ExtractedReport]) -> None:
        """In a batch: ask the catalog once what recording these pages and reports will ask."""
        db = self._batch_session()
        if db is None:
            return
        fingerprints = db.info.setdefault(_FINGERPRINTS, {})
        for extracted in reports:
            fingerprints[id(extracted)] = (extracted, Fingerprint.of(extracted))
        Lookups.of(db).prefetch(
            keys=[capture_key(page) for page in pages],
            urls=[url for page in pages for url in (page.url, page.final_url) if url],
            digests=[(page.url, body_digest(page)) for page in pages if 200 <= page.status < 300],
            text_hashes=[fp.text_hash for _, fp in fingerprints.values()],
        )

    def _fingerprint(self, extracted: ExtractedReport) -> Fingerprint:
        db = self._batch_session()
        known = db.info.get(_FINGERPRINTS, {}).get(id(extracted)) if db is not None else None
        return known[1] if known is not None and known[0] is extracted else Fingerprint.of(extracted)

    @staticmethod
    def _add_url(db: Session, report: Report, url: str, now: dt.datetime) -> None:
        assert report.id is not None
        row = new_row(ReportUrl, report_id=report.id, url=url, first_seen=now, last_seen=now)
        db.add(row)
        Lookups.of(db).added_url(row, report)

    def _record_report(
        self,
        db: Session,
        source_name: str,
        page: FetchedPage,
        extracted: ExtractedReport | None,
        fp: Fingerprint | None,
        run_id: int | None,
    ) -> RecordResult:
        """Record a report page; without ``extracted`` / ``fp``, a page whose body is the current version's."""
        replay = self._replay(db, page)
        if replay is not None:
            return replay
        source = self._source(db, source_name)
        assert source.id is not None
        lookups = Lookups.of(db)
        report = lookups.report(page.url)
        moved = False
        if report is None and fp is not None and can_identify_move(fp.text):
            report = lookups.report_with_text(source.id, fp.text_hash)
            moved = report is not None
        previous = self._current_version(db, report) if report else None
        if fp is None and (previous is None or lookups.body_digest(previous) != body_digest(page)):
            raise PayloadChangedError(page.url)
        if (
            report is not None
            and fp is not None
            and not fp.text
            and previous is not None
            and previous.text_hash != EMPTY_TEXT_HASH
        ):
            # A page that lost its whole text (unrendered script page, undetected challenge) says
            # nothing about the report: keep the capture, make no empty version, raise no alert.
            objects = self._store_capture(page, self._revisit_target(db, page))
            return self._add_capture(
                db, page, objects, source_id=source.id, report=report, run_id=run_id, outcome="blocked"
            )
        outcome = "unchanged" if fp is None else decide(previous.text_hash, previous.metadata_hash, fp) if previous else "new"
        text_changed = outcome == "changed" and previous is not None and fp is not None and previous.text_hash != fp.text_hash
        previous_text = self._previous_text(previous) if text_changed else None

        # Objects first.
        revisit = self._revisit_target(db, page)
        objects = self._store_capture(page, revisit, extracted.attachments if extracted else ())
        text_key = self.store.put_bytes(fp.text.encode("utf-8")) if fp and outcome in ("new", "changed") else None
        if fp is not None and text_key is not None and text_key != fp.text_hash:
            # A store whose keys are not SHA-256 of the bytes would break move detection and verify.
            raise CatalogConflictError(f"store returned key {text_key!r} for text {fp.text_hash!r}")

        now = _utc(page.fetched_at)
        restored = report is not None and report.status == "removed"
        created = report is None
        if report is None:
            report = new_row(
                Report,
                id=Ids.of(db).next(Report),
                source_id=source.id,
                canonical_url=page.url,
                first_seen=now,
                last_seen=now,
                last_checked=now,
                last_changed=now,
            )
            db.add(report)
        assert report.id is not None  # loaded, or given by Ids
        if created or moved:
            self._add_url(db, report, page.url, now)
            report.canonical_url = page.url
        else:
            self._touch_url(db, page.url, now)
        if page.final_url and page.final_url != page.url and lookups.report(page.final_url) is None:
            self._add_url(db, report, page.final_url, now)

        label = "restored" if restored else "moved" if moved and outcome == "unchanged" else outcome
        fields = self._capture_fields(db, page, objects, source_id=source.id, report_id=report.id, run_id=run_id,
                                      outcome=label)
        capture = new_row(Capture, **fields) if outcome in ("new", "changed") else None
        if capture is None:
            lookups.queue_capture(fields)  # no version names it: inserted with the batch's others
        else:
            self._add_capture_row(db, capture)

        report.missing_checks = 0
        report.missing_run_id = None
        report.status = "active"
        report.last_seen = report.last_checked = now
        if page.url == report.canonical_url:
            report.etag, report.last_modified = page.etag, page.last_modified

        if outcome in ("new", "changed"):
            assert text_key is not None and extracted is not None and fp is not None and capture is not None
            version = self._new_version(
                db, report, page, extracted, fp, text_key, objects, capture, previous, previous_text
            )
            self._attribute(report, source, extracted)
            self._event(
                db,
                outcome,
                report,
                version_id=version.id,
                version=version.number,
                **json.loads(version.diff_summary or "{}"),
            )
        else:
            assert previous is not None
            previous.last_seen = now
            db.add(previous)
            self._add_attachments(db, previous, objects.attachments, only_new=True)
        if restored:
            self._event(db, "restored", report, version=report.current_version)
        db.add(report)
        return RecordResult(label, report.id, report.current_version)
