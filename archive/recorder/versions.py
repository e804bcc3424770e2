"""Versions of a report: the next version with its diff summary, its attachment rows, and who
the report belongs to (attribution)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, select

from archive.attribution import attribute
from archive.catalog.models import Attachment, Capture, Report, Source, Version
from archive.changes import Fingerprint, changed_fields
from archive.diffs import DiffSummary, diff_texts, summary_json
from archive.divisions import registry
from archive.errors import BlobNotFoundError, CorruptObjectError
from archive.recorder.captures import _CaptureObjects, _StoredAttachment
from archive.recorder.core import ArchiveCore
from archive.recorder.ids import Ids
from archive.recorder.lookups import Lookups
from archive.recorder.rows import new_row
from archive.records import ExtractedReport, FetchedPage
from archive.timeutil import as_utc as _utc


class VersionsMixin(ArchiveCore):
    """Add versions and attachments; read a report's current version."""

    def _previous_text(self, previous: Version | None) -> str | None:
        """The predecessor's text for the diff; a lost or damaged object must not block recording."""
        if previous is None:
            return None
        try:
            return self.store.get_bytes(previous.text_key).decode("utf-8")
        except (BlobNotFoundError, CorruptObjectError):
            return None  # the new version is kept without its diff; `verify` reports the object

    @staticmethod
    def _current_version(db: Session, report: Report) -> Version | None:
        return Lookups.of(db).current_version(report)

    @staticmethod
    def _touch_url(db: Session, url: str, now: dt.datetime) -> None:
        row = Lookups.of(db).url_row(url)
        if row is not None:
            row.last_seen = now
            db.add(row)

    def _new_version(
        self,
        db: Session,
        report: Report,
        page: FetchedPage,
        extracted: ExtractedReport,
        fp: Fingerprint,
        text_key: str,
        objects: _CaptureObjects,
        capture: Capture,
        previous: Version | None,
        previous_text: str | None,
    ) -> Version:
        now = _utc(page.fetched_at)
        metadata = fp.metadata
        assert report.id is not None  # a stored report
        if objects.warc_type != "response" and objects.raw_key:
            self.store.put_bytes(page.body)  # a version's body from a revisit: its own object (rare)
        version = new_row(
            Version,
            id=Ids.of(db).next(Version),
            report_id=report.id,
            number=report.current_version + 1,
            text_hash=fp.text_hash,
            metadata_hash=fp.metadata_hash,
            title=metadata.get("title") or "",
            metadata_json=json.dumps(
                {**extracted.metadata(), **metadata, "text_source": extracted.text_source,
                 "ocr_confidence": extracted.ocr_confidence},
                ensure_ascii=False, sort_keys=True,
            ),
            text_source=extracted.text_source,
            ocr_confidence=extracted.ocr_confidence,
            text_key=text_key,
            raw_key=objects.raw_key,
            capture_id=capture.id,
            url=page.url,
            first_seen=now,
            last_seen=now,
        )
        if previous is not None:
            text_changed = previous.text_hash != fp.text_hash
            extra: dict[str, Any] = {
                "from_version": previous.number,
                "text_changed": text_changed,
                "metadata_changed": changed_fields(json.loads(previous.metadata_json or "{}"), metadata),
            }
            summary = DiffSummary()
            if text_changed and previous_text is None:
                extra["diff_unavailable"] = True
            elif text_changed and previous_text is not None:
                summary = diff_texts(previous_text, fp.text).summary
            version.chars_added = summary.chars_added
            version.chars_removed = summary.chars_removed
            version.paragraphs_changed = summary.paragraphs_changed
            version.diff_summary = summary_json(summary, **extra)
        db.add(version)
        Lookups.of(db).added_version(version, capture.payload_digest)
        self._add_attachments(db, version, objects.attachments, only_new=False)

        Lookups.of(db).rehashed(report, report.text_hash, fp.text_hash)
        report.current_version = version.number
        report.text_hash = fp.text_hash
        report.metadata_hash = fp.metadata_hash
        report.title = metadata.get("title") or ""
        report.publisher = metadata.get("publisher")
        report.pub_date = extracted.pub_date
        report.report_year = extracted.report_year
        report.index_no = metadata.get("index_no")
        report.doc_no = metadata.get("doc_no")
        report.last_changed = now
        return version

    @staticmethod
    def _attribute(report: Report, source: Source, extracted: ExtractedReport) -> None:
        """Whose report this is: division, publisher kind, department (archive/attribution.py)."""
        found = attribute(
            registry(), publisher=report.publisher, title=report.title, site_code=extracted.site_code,
            source_division=source.division_code, source_names=(source.region, source.title),
        )
        report.division_code, report.publisher_kind = found.division_code, found.publisher_kind
        report.department, report.attributed_by = found.department, found.basis

    @staticmethod
    def _add_attachments(
        db: Session, version: Version, items: list[_StoredAttachment], *, only_new: bool
    ) -> None:
        """Attachment rows of ``version``; for an unchanged page, only what the catalog lacks.

        Attachments are not part of a version's identity, but bytes never seen before (a file
        fetched for the first time, or replaced behind the same link) are kept, never dropped.
        """
        assert version.id is not None  # a stored version
        if not items:
            return
        existing = (
            list(db.exec(select(Attachment).where(Attachment.version_id == version.id))) if only_new else []
        )
        for item in items:
            record = item.record
            same_url = [row for row in existing if row.url == record.url]
            if item.blob_key is None:
                if same_url:
                    continue
                row = new_row(Attachment, version_id=version.id, url=record.url)
            else:
                known = next((r for r in same_url if r.sha256 == item.sha256), None)
                if known is not None:
                    if item.text_key and not known.text_key:
                        known.text_key, known.text_status = item.text_key, record.text_status
                        known.text_source, known.ocr_confidence = record.text_source, record.ocr_confidence
                        db.add(known)
                    continue
                row = next((r for r in same_url if r.blob_key is None), None) or new_row(
                    Attachment,
                    version_id=version.id, url=record.url
                )
            row.name, row.type = record.name, record.type
            row.blob_key, row.sha256, row.text_key = item.blob_key, item.sha256, item.text_key
            row.size = len(record.body) if record.body is not None else None
            row.text_status = record.text_status
            row.text_source, row.ocr_confidence = record.text_source, record.ocr_confidence
            db.add(row)
            existing.append(row)
