"""The archive's front door: record what the crawler fetched, decide new / changed / unchanged.

Every ``record_*`` call is one exchange and one catalog transaction. Objects (raw body, WARC
record, normalised text, attachments) are written to the store first, then the rows naming them
together with the events they cause, so a killed process leaves at most unnamed objects behind
(which the next identical recording names again: keys are content addresses). Each exchange has a
de-duplication key (method, URL, fetch time, status, payload digest): recording the same exchange
twice changes nothing the second time.

Rules (see archive/changes.py for the fingerprint):
- new report: a URL not seen before whose text is not the current text of another report of the
  same source; its version 1 and a ``new`` event.
- moved: an unknown URL whose normalised text equals a report's current text in the same source
  (the old URL gone or not): the URL is added to that report and becomes its canonical URL; no new
  report, no new version (unless the metadata changed too).
- changed: text or identity metadata differs from the current version: version N+1 with its diff
  summary and a ``changed`` event.
- removed: ``removal_checks`` consecutive checks found the report's canonical URL answering
  404/410 or a soft 404, or the report absent from its source's complete listing (at most one
  check per run); a ``removed`` event. Any successful fetch resets the count; a removed report that
  answers again is ``restored`` (event).
- blocked: an anti-bot answer, or a page of a known report that came back without any text, is a
  capture and nothing more (no version, no event, no missing check).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from archive.attribution import attribute
from archive.catalog.attribute import attribute_reports
from archive.catalog.models import (
    Attachment,
    Capture,
    CrawlRun,
    Event,
    Report,
    ReportUrl,
    Source,
    SourceRun,
    Version,
)
from archive.changes import (
    Fingerprint,
    can_identify_move,
    changed_fields,
    decide,
    is_soft_404,
    normalise_text,
    sha256_hex,
)
from archive.diffs import DiffSummary, diff_texts, summary_json
from archive.divisions import registry
from archive.errors import BlobNotFoundError, CatalogConflictError, CorruptObjectError, NotFoundError
from archive.records import AttachmentRecord, ExtractedReport, FetchedPage
from archive.storage import BlobStore
from archive.warc import RevisitTarget, build_capture_warc

T = TypeVar("T")

_ATTEMPTS = 4
_SOURCE_RUN_FIELDS = frozenset(
    {
        "status",
        "not_checked",
        "resumed",
        "discovered",
        "fetched",
        "new",
        "changed",
        "unchanged",
        "removed",
        "blocked",
        "errors",
        "report_links",
        "error",
    }
)
EMPTY_TEXT_HASH = sha256_hex(b"")
_GOOD_OUTCOMES = ("new", "changed", "unchanged", "moved", "restored", "not_modified")


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording one page did."""

    outcome: str  # new / changed / unchanged / moved / not_modified / missing / removed / restored / blocked
    report_id: int | None = None
    version: int | None = None  # the report's current version number after recording


@dataclass(frozen=True, slots=True)
class KnownReport:
    """What a crawler needs to re-check a known report politely."""

    report_id: int
    url: str
    etag: str | None
    last_modified: str | None
    last_checked: Any  # datetime
    status: str  # active / removed


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def capture_key(page: FetchedPage) -> str:
    """The de-duplication key of one exchange (hex SHA-256)."""
    identity = "\n".join(
        (
            page.method.upper(),
            page.url,
            page.final_url or "",
            _utc(page.fetched_at).isoformat(),
            str(page.status),
            sha256_hex(page.body),
        )
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class _StoredAttachment:
    record: AttachmentRecord
    blob_key: str | None = None
    sha256: str | None = None
    text_key: str | None = None


@dataclass(slots=True)
class _CaptureObjects:
    payload_key: str | None
    warc_key: str
    warc_type: str
    digest: str
    attachments: list[_StoredAttachment] = field(default_factory=list)


def _definition_json(definition: Mapping[str, Any]) -> str:
    return json.dumps(dict(definition), ensure_ascii=False, sort_keys=True, default=str)


def _describes(row: Source, entry: Mapping[str, Any]) -> bool:
    """Whether ``ensure_source(**entry)`` would leave the catalog's row as it is."""
    for name in ("title", "region", "level"):
        if entry.get(name) and getattr(row, name) != entry[name]:
            return False
    definition = entry.get("definition")
    if definition is None:
        return True
    code = str(definition.get("division_code") or "") or None
    return row.definition_json == _definition_json(definition) and row.division_code == code


class Archive:
    """Catalog + object store, with the change rules."""

    def __init__(self, engine: Engine, store: BlobStore, *, removal_checks: int = 3) -> None:
        if removal_checks < 1:
            raise ValueError(f"removal_checks must be at least 1, not {removal_checks!r}")
        self.engine = engine
        self.store = store
        self.removal_checks = removal_checks
        self._batch = threading.local()
        self._source_ids: dict[str, int] = {}  # checked against the name on use (a rolled-back id)

    # -- plumbing --------------------------------------------------------------------------
    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Recordings made inside (in this thread) share one catalog transaction and one store sync.

        On a clean exit every object written is made durable first (a folder store syncs once
        for all of them), then the rows naming them are committed; on an error nothing is
        committed and the unsynced objects are dropped. ``record_listing`` reads committed
        state and does not belong in a batch. See ``archive.batch.record_batch``.
        """
        if getattr(self._batch, "db", None) is not None:
            raise RuntimeError("batches do not nest")
        deferred = getattr(self.store, "deferred", None)
        with deferred() if callable(deferred) else contextlib.nullcontext(), self._session() as db:
            self._batch.db, self._batch.sources = db, {}
            try:
                yield
                db.flush()
                flush = getattr(self.store, "flush", None)
                if callable(flush):
                    flush()  # objects durable before any row that names them is committed
                db.commit()
            finally:
                self._batch.db = self._batch.sources = None

    def _transact(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; retry when a concurrent writer won a unique race.

        Inside ``batch()`` the work joins the batch's transaction (no retry: the batch fails whole).
        """
        batch_db: Session | None = getattr(self._batch, "db", None)
        if batch_db is not None:
            return work(batch_db)
        for attempt in range(_ATTEMPTS):
            with self._session() as db:
                try:
                    result = work(db)
                    db.commit()
                    return result
                except IntegrityError as exc:
                    db.rollback()
                    if attempt == _ATTEMPTS - 1:
                        raise CatalogConflictError(str(exc.orig).splitlines()[0]) from exc
        raise AssertionError("unreachable")

    def _source(self, db: Session, name: str) -> Source:
        in_batch: dict[str, Source] | None = getattr(self._batch, "sources", None)
        if in_batch is not None and db is getattr(self._batch, "db", None) and name in in_batch:
            return in_batch[name]
        source = self._lookup_source(db, name)
        if in_batch is not None and db is getattr(self._batch, "db", None):
            in_batch[name] = source
        return source

    def _lookup_source(self, db: Session, name: str) -> Source:
        known = self._source_ids.get(name)
        if known is not None:
            # by primary key: a batch's session answers from its identity map, without SQL
            cached = db.get(Source, known)
            if cached is not None and cached.name == name:
                return cached
        source = db.exec(select(Source).where(Source.name == name)).first()
        if source is None:
            source = Source(name=name)
            db.add(source)
            db.flush()
        assert source.id is not None
        self._source_ids[name] = source.id
        return source

    @staticmethod
    def _report_by_url(db: Session, url: str) -> Report | None:
        return db.exec(select(Report).join(ReportUrl).where(ReportUrl.url == url)).first()

    @staticmethod
    def _replay(db: Session, page: FetchedPage) -> RecordResult | None:
        capture = db.exec(select(Capture).where(Capture.dedup_key == capture_key(page))).first()
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
        earlier = db.exec(
            select(Capture)
            .where(Capture.url == page.url, Capture.payload_digest == sha256_hex(page.body))
            .where(Capture.warc_type == "response", col(Capture.status).between(200, 299))
            .order_by(col(Capture.fetched_at), col(Capture.id))
            .limit(1)
        ).first()
        if earlier is None or earlier.dedup_key is None:
            return None
        return RevisitTarget(earlier.url, earlier.fetched_at, earlier.dedup_key)

    def _store_capture(
        self, page: FetchedPage, revisit: RevisitTarget | None, attachments: Iterable[AttachmentRecord] = ()
    ) -> _CaptureObjects:
        """Write the exchange's objects (before any row names them)."""
        payload_key = self.store.put_bytes(page.body) if page.body else None
        warc = build_capture_warc(page, seed=capture_key(page), revisit_of=revisit)
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
        return _CaptureObjects(payload_key, warc_key, warc.record_type, sha256_hex(page.body), stored)

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
        db.add(
            self._capture_row(page, objects, source_id=source_id, report_id=report_id, run_id=run_id, outcome=outcome)
        )
        return RecordResult(outcome, report_id, report.current_version if report else None)

    @staticmethod
    def _capture_row(
        page: FetchedPage,
        objects: _CaptureObjects,
        *,
        source_id: int,
        report_id: int | None,
        run_id: int | None,
        outcome: str,
    ) -> Capture:
        return Capture(
            source_id=source_id,
            report_id=report_id,
            run_id=run_id,
            url=page.url,
            fetched_at=_utc(page.fetched_at),
            status=page.status,
            content_type=page.headers.get("content-type"),
            etag=page.etag,
            last_modified=page.last_modified,
            payload_digest=objects.digest,
            payload_key=objects.payload_key,
            warc_key=objects.warc_key,
            warc_type=objects.warc_type,
            outcome=outcome,
            dedup_key=capture_key(page),
        )

    @staticmethod
    def _event(
        db: Session, kind: str, report: Report, *, version_id: int | None = None, **detail: Any
    ) -> None:
        source = db.get(Source, report.source_id)
        document = {"source": source.name if source else None, "url": report.canonical_url, **detail}
        db.add(
            Event(
                kind=kind,
                source_id=report.source_id,
                report_id=report.id,
                version_id=version_id,
                title=report.title,
                detail_json=json.dumps(document, ensure_ascii=False, sort_keys=True),
            )
        )

    # -- sources and runs --------------------------------------------------------------------
    def ensure_source(
        self,
        name: str,
        *,
        title: str = "",
        region: str = "",
        level: str = "",
        definition: Mapping[str, Any] | None = None,
    ) -> int:
        """The id of source ``name``, created or updated with the given description."""

        moved: list[bool] = []

        def work(db: Session) -> int:
            source = self._source(db, name)
            before = source.division_code
            if title:
                source.title = title
            if region:
                source.region = region
            if level:
                source.level = level
            if definition is not None:
                source.definition_json = _definition_json(definition)
                source.division_code = str(definition.get("division_code") or "") or None
            moved[:] = [before != source.division_code]
            db.add(source)
            db.flush()
            assert source.id is not None
            return source.id

        source_id = self._transact(work)
        if moved and moved[0]:
            # the source now says another division: its reports are attributed again
            with self.engine.begin() as connection:
                attribute_reports(connection, registry(), source_id=source_id)
        return source_id

    def ensure_sources(self, sources: Iterable[Mapping[str, Any]]) -> None:
        """``ensure_source(**entry)`` for each entry, writing only the new and the changed ones.

        A run of thousands of sources registers them all; one read tells which differ from the
        catalog, instead of a transaction each.
        """
        entries = list(sources)
        with self._session() as db:
            rows = {row.name: row for row in db.exec(select(Source)).all()}
        for entry in entries:
            row = rows.get(entry["name"])
            if row is None or not _describes(row, entry):
                self.ensure_source(**entry)

    def start_run(self, sources: Iterable[str], *, trigger: str = "cli", pid: int | None = None) -> int:
        """Open a crawl run; return its id."""

        def work(db: Session) -> int:
            run = CrawlRun(sources=",".join(sources), trigger=trigger, pid=pid, started_at=_now())
            db.add(run)
            db.flush()
            assert run.id is not None
            return run.id

        return self._transact(work)

    def finish_run(
        self, run_id: int, *, status: str, stats: Mapping[str, Any] | None = None, error: str | None = None
    ) -> None:
        """Close a crawl run with its outcome and statistics."""

        def work(db: Session) -> None:
            run = db.get(CrawlRun, run_id)
            if run is None:
                raise NotFoundError("run", run_id)
            run.status = status
            run.finished_at = _now()
            run.error = error
            if stats is not None:
                run.stats_json = json.dumps(dict(stats), ensure_ascii=False, sort_keys=True, default=str)
            db.add(run)

        self._transact(work)

    def update_source_run(self, run_id: int, source: str, **counts: int | str | None) -> None:
        """Set a source's counts in a run (``discovered=…, new=…, status=…``); absolute values."""
        unknown = set(counts) - _SOURCE_RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown source-run fields: {', '.join(sorted(unknown))}")

        def work(db: Session) -> None:
            src = self._source(db, source)
            assert src.id is not None
            row = db.exec(
                select(SourceRun).where(SourceRun.run_id == run_id, SourceRun.source_id == src.id)
            ).first()
            if row is None:
                row = SourceRun(run_id=run_id, source_id=src.id)
            for name, value in counts.items():
                setattr(row, name, value)
            db.add(row)
            if "status" in counts:
                src.last_run_at = _now()
                src.last_run_status = str(counts["status"])
                db.add(src)

        self._transact(work)

    # -- what the crawler records ----------------------------------------------------------------
    def record_report(
        self, source: str, page: FetchedPage, report: ExtractedReport, *, run_id: int | None = None
    ) -> RecordResult:
        """Record a fetched report page: new, changed, unchanged, moved or restored."""
        fingerprint = Fingerprint.of(report)
        if is_soft_404(page.status, fingerprint.metadata.get("title") or "", fingerprint.text):
            return self.record_missing(source, page, run_id=run_id)
        return self._transact(lambda db: self._record_report(db, source, page, report, fingerprint, run_id))

    def _record_report(
        self,
        db: Session,
        source_name: str,
        page: FetchedPage,
        extracted: ExtractedReport,
        fp: Fingerprint,
        run_id: int | None,
    ) -> RecordResult:
        replay = self._replay(db, page)
        if replay is not None:
            return replay
        source = self._source(db, source_name)
        assert source.id is not None
        report = self._report_by_url(db, page.url)
        moved = False
        if report is None and can_identify_move(fp.text):
            report = db.exec(
                select(Report)
                .where(Report.source_id == source.id, Report.text_hash == fp.text_hash)
                .order_by(col(Report.id))
            ).first()
            moved = report is not None
        previous = self._current_version(db, report) if report else None
        if (
            report is not None
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
        outcome = decide(previous.text_hash, previous.metadata_hash, fp) if previous else "new"
        text_changed = outcome == "changed" and previous is not None and previous.text_hash != fp.text_hash
        previous_text = self._previous_text(previous) if text_changed else None

        # Objects first.
        revisit = self._revisit_target(db, page)
        objects = self._store_capture(page, revisit, extracted.attachments)
        text_key = self.store.put_bytes(fp.text.encode("utf-8")) if outcome in ("new", "changed") else None
        if text_key is not None and text_key != fp.text_hash:
            # A store whose keys are not SHA-256 of the bytes would break move detection and verify.
            raise CatalogConflictError(f"store returned key {text_key!r} for text {fp.text_hash!r}")

        now = _utc(page.fetched_at)
        restored = report is not None and report.status == "removed"
        if report is None:
            report = Report(
                source_id=source.id,
                canonical_url=page.url,
                first_seen=now,
                last_seen=now,
                last_checked=now,
                last_changed=now,
            )
            db.add(report)
            db.flush()
            db.add(ReportUrl(report_id=report.id, url=page.url, first_seen=now, last_seen=now))
        elif moved:
            db.add(ReportUrl(report_id=report.id, url=page.url, first_seen=now, last_seen=now))
            report.canonical_url = page.url
        else:
            self._touch_url(db, page.url, now)
        if page.final_url and page.final_url != page.url and self._report_by_url(db, page.final_url) is None:
            db.add(ReportUrl(report_id=report.id, url=page.final_url, first_seen=now, last_seen=now))
        assert report.id is not None

        label = "restored" if restored else "moved" if moved and outcome == "unchanged" else outcome
        capture = self._capture_row(
            page, objects, source_id=source.id, report_id=report.id, run_id=run_id, outcome=label
        )
        db.add(capture)
        db.flush()

        report.missing_checks = 0
        report.missing_run_id = None
        report.status = "active"
        report.last_seen = report.last_checked = now
        if page.url == report.canonical_url:
            report.etag, report.last_modified = page.etag, page.last_modified

        if outcome in ("new", "changed"):
            assert text_key is not None
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
        return db.exec(
            select(Version).where(Version.report_id == report.id, Version.number == report.current_version)
        ).first()

    @staticmethod
    def _touch_url(db: Session, url: str, now: dt.datetime) -> None:
        row = db.exec(select(ReportUrl).where(ReportUrl.url == url)).first()
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
        version = Version(
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
            raw_key=objects.payload_key,
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
        db.flush()
        self._add_attachments(db, version, objects.attachments, only_new=False)

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
        existing = (
            list(db.exec(select(Attachment).where(Attachment.version_id == version.id))) if only_new else []
        )
        for item in items:
            record = item.record
            same_url = [row for row in existing if row.url == record.url]
            if item.blob_key is None:
                if same_url:
                    continue
                row = Attachment(version_id=version.id, url=record.url)
            else:
                known = next((r for r in same_url if r.sha256 == item.sha256), None)
                if known is not None:
                    if item.text_key and not known.text_key:
                        known.text_key, known.text_status = item.text_key, record.text_status
                        known.text_source, known.ocr_confidence = record.text_source, record.ocr_confidence
                        db.add(known)
                    continue
                row = next((r for r in same_url if r.blob_key is None), None) or Attachment(
                    version_id=version.id, url=record.url
                )
            row.name, row.type = record.name, record.type
            row.blob_key, row.sha256, row.text_key = item.blob_key, item.sha256, item.text_key
            row.size = len(record.body) if record.body is not None else None
            row.text_status = record.text_status
            row.text_source, row.ocr_confidence = record.text_source, record.ocr_confidence
            db.add(row)
            existing.append(row)

    def record_not_modified(
        self, source: str, page: FetchedPage, *, run_id: int | None = None
    ) -> RecordResult:
        """Record a 304 answer to a conditional request: the report is still there, unchanged."""

        def work(db: Session) -> RecordResult:
            replay = self._replay(db, page)
            if replay is not None:
                return replay
            src = self._source(db, source)
            assert src.id is not None
            report = self._report_by_url(db, page.url)
            objects = self._store_capture(page, None)
            now = _utc(page.fetched_at)
            outcome = "not_modified"
            if report is not None:
                if report.status == "removed":
                    outcome = "restored"
                    report.status = "active"
                    self._event(db, "restored", report, version=report.current_version)
                report.missing_checks = 0
                report.missing_run_id = None
                report.last_seen = report.last_checked = now
                db.add(report)
                self._touch_url(db, page.url, now)
                current = self._current_version(db, report)
                if current is not None:
                    current.last_seen = now
                    db.add(current)
            return self._add_capture(db, page, objects, source_id=src.id, report=report, run_id=run_id,
                                     outcome=outcome)

        return self._transact(work)

    def _count_missing(self, db: Session, report: Report, run_id: int | None, now: dt.datetime) -> str:
        """One more missing check of ``report``; ``"removed"`` when it tips over, else ``"missing"``."""
        if report.status != "active":
            return "missing"
        if run_id is None or report.missing_run_id != run_id:
            report.missing_checks += 1
            report.missing_run_id = run_id
        report.last_checked = now
        outcome = "missing"
        if report.missing_checks >= self.removal_checks:
            report.status = "removed"
            outcome = "removed"
            self._event(db, "removed", report, version=report.current_version, checks=report.missing_checks)
        db.add(report)
        return outcome

    def record_missing(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult:
        """Record a 404/410 or soft-404 answer for a report URL (one missing check)."""

        def work(db: Session) -> RecordResult:
            replay = self._replay(db, page)
            if replay is not None:
                return replay
            src = self._source(db, source)
            assert src.id is not None
            report = self._report_by_url(db, page.url)
            objects = self._store_capture(page, None)
            outcome = "missing"
            if report is not None and page.url == report.canonical_url:
                outcome = self._count_missing(db, report, run_id, _utc(page.fetched_at))
            return self._add_capture(db, page, objects, source_id=src.id, report=report, run_id=run_id,
                                     outcome=outcome)

        return self._transact(work)

    def record_blocked(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult:
        """Record an answer that says nothing about the report (anti-bot challenge, 403, 5xx)."""

        def work(db: Session) -> RecordResult:
            replay = self._replay(db, page)
            if replay is not None:
                return replay
            src = self._source(db, source)
            assert src.id is not None
            report = self._report_by_url(db, page.url)
            objects = self._store_capture(page, None)
            return self._add_capture(db, page, objects, source_id=src.id, report=report, run_id=run_id,
                                     outcome="blocked")

        return self._transact(work)

    def record_listing(
        self,
        source: str,
        report_urls: Iterable[str],
        *,
        complete: bool,
        run_id: int | None = None,
        checked_at: dt.datetime | None = None,
    ) -> list[RecordResult]:
        """Note which report URLs a source's listing links to.

        Only a ``complete`` listing (every page of it walked without error) says anything about
        absence: each active report none of whose URLs it links counts one missing check, unless
        the report was checked at or after ``checked_at`` (default: now) — so replaying the same
        listing observation counts nothing.
        """
        if not complete:
            return []
        listed = set(report_urls)
        now = _utc(checked_at) if checked_at else _now()
        with self._session() as db:
            src = db.exec(select(Source).where(Source.name == source)).first()
            if src is None:
                return []
            rows = db.exec(
                select(Report.id, ReportUrl.url)
                .join(ReportUrl)
                .where(Report.source_id == src.id, Report.status == "active")
            ).all()
        urls_of: dict[int, set[str]] = {}
        for report_id, url in rows:
            urls_of.setdefault(report_id, set()).add(url)
        results: list[RecordResult] = []
        for report_id, urls in sorted(urls_of.items()):
            if urls & listed:
                continue

            def work(db: Session, report_id: int = report_id) -> RecordResult | None:
                report = db.get(Report, report_id)
                if report is None or report.status != "active":
                    return None
                if report.last_checked is not None and now <= report.last_checked:
                    return None  # an observation no newer than what the report already had (a replay)
                outcome = self._count_missing(db, report, run_id, now)
                return RecordResult(outcome, report.id, report.current_version)

            result = self._transact(work)
            if result is not None:
                results.append(result)
        return results

    # -- what the crawler asks -------------------------------------------------------------------
    def known_reports(self, source: str) -> list[KnownReport]:
        """Every report of ``source`` (active and removed), for polite re-checks."""
        with self._session() as db:
            rows = db.exec(
                select(Report).join(Source).where(Source.name == source).order_by(col(Report.id))
            ).all()
            return [
                KnownReport(r.id or 0, r.canonical_url, r.etag, r.last_modified, r.last_checked, r.status)
                for r in rows
            ]

    def conditional_headers(self, url: str) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` from the last good capture of ``url``."""
        with self._session() as db:
            report = self._report_by_url(db, url)
            if report is None or report.status != "active":
                return {}
            capture = db.exec(
                select(Capture)
                .where(Capture.url == url, Capture.status == 200)
                .where(col(Capture.outcome).in_(_GOOD_OUTCOMES))
                .order_by(col(Capture.fetched_at).desc(), col(Capture.id).desc())
                .limit(1)
            ).first()
        headers: dict[str, str] = {}
        if capture is not None:
            if capture.etag:
                headers["If-None-Match"] = capture.etag
            if capture.last_modified:
                headers["If-Modified-Since"] = capture.last_modified
        return headers

    # -- reading back ------------------------------------------------------------------------------
    def version_text(self, report_id: int, number: int | None = None) -> str:
        """The archived normalised text of a report's version (default: the current one)."""
        from archive.queries import version_text

        return version_text(self.engine, self.store, report_id, number)


def open_archive(
    catalog_url: str,
    store_url: str,
    *,
    removal_checks: int = 3,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    compress: bool = True,
) -> Archive:
    """The Archive over the catalog at ``catalog_url`` (migrated to the current schema) and the
    object store at ``store_url``."""
    from archive.catalog.database import create_catalog_engine, init_catalog
    from archive.storage import open_store

    engine = create_catalog_engine(catalog_url)
    init_catalog(engine)
    store = open_store(
        store_url,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        compress=compress,
    )
    return Archive(engine, store, removal_checks=removal_checks)
