"""The read side of the catalog, shared by the CLI and the web app.

Every function returns JSON-ready values (dates as ISO 8601 strings) whose field names are those
of docs/cli.md, so ``govarchive reports list --json`` and the HTTP API say the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

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
from archive.changes import IDENTITY_FIELDS
from archive.diffs import diff_texts
from archive.errors import ArchiveError, NotFoundError
from archive.storage import BlobStore
from archive.timeutil import as_utc

logger = logging.getLogger(__name__)

REPORT_ORDERS = ("id", "-last_changed", "-pub_date", "-first_seen")


class NothingToCompareError(ArchiveError):
    """A diff was asked of a report with a single version, or of a version with itself."""

    def __init__(self, report_id: int, detail: str) -> None:
        super().__init__(f"report {report_id}: {detail}")
        self.report_id = report_id


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601; naive datetimes from SQLite are UTC."""
    if value is None:
        return None
    return (as_utc(value) if isinstance(value, dt.datetime) else value).isoformat()


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else {}


def _report_row(report: Report, source: str) -> dict[str, Any]:
    return {
        "id": report.id,
        "source": source,
        "url": report.canonical_url,
        "title": report.title,
        "publisher": report.publisher,
        "pub_date": iso(report.pub_date),
        "report_year": report.report_year,
        "division_code": report.division_code,
        "publisher_kind": report.publisher_kind,
        "department": report.department,
        "versions": report.current_version,
        "first_seen": iso(report.first_seen),
        "last_changed": iso(report.last_changed),
        "status": report.status,
    }


_LIST_COLUMNS = tuple(col(column) for column in (
    Report.id,
    Source.name,
    Report.canonical_url,
    Report.title,
    Report.publisher,
    Report.pub_date,
    Report.report_year,
    Report.division_code,
    Report.publisher_kind,
    Report.department,
    Report.current_version,
    Report.first_seen,
    Report.last_changed,
    Report.status,
))


def _filtered(statement: Any, source: str | None, year: int | None, status: str | None,
              division: str | None = None) -> Any:
    if division is not None:
        statement = statement.where(Report.division_code == division)
    if source is not None:
        statement = statement.where(Source.name == source)
    if year is not None:
        statement = statement.where(Report.report_year == year)
    if status is not None:
        statement = statement.where(Report.status == status)
    return statement


def source_exists(engine: Engine, name: str) -> bool:
    with Session(engine) as db:
        return db.exec(select(Source.id).where(Source.name == name)).first() is not None


def list_reports(
    engine: Engine,
    *,
    source: str | None = None,
    year: int | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    order: str = "id",
    division: str | None = None,
) -> list[dict[str, Any]]:
    """Reports (``{"id","source","url","title","publisher","pub_date","report_year","division_code",
    "publisher_kind","department","versions","first_seen","last_changed","status"}``), filtered and
    paginated; ``order`` is one of REPORT_ORDERS (``-`` = newest first)."""
    if order not in REPORT_ORDERS:
        raise ValueError(f"order must be one of {', '.join(REPORT_ORDERS)}, not {order!r}")
    # Plain columns, not ORM entities: building 1,000 Report objects costs more than the query.
    statement = _filtered(sa_select(*_LIST_COLUMNS).join(Source), source, year, status, division)
    if order == "id":
        statement = statement.order_by(col(Report.id))
    else:
        column = getattr(Report, order[1:])
        statement = statement.order_by(col(column).desc(), col(Report.id).desc())
    statement = statement.offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    with Session(engine) as db:
        return [
            {
                "id": row.id,
                "source": row.name,
                "url": row.canonical_url,
                "title": row.title,
                "publisher": row.publisher,
                "pub_date": iso(row.pub_date),
                "report_year": row.report_year,
                "division_code": row.division_code,
                "publisher_kind": row.publisher_kind,
                "department": row.department,
                "versions": row.current_version,
                "first_seen": iso(row.first_seen),
                "last_changed": iso(row.last_changed),
                "status": row.status,
            }
            for row in db.connection().execute(statement).all()
        ]


def count_reports(
    engine: Engine, *, source: str | None = None, year: int | None = None, status: str | None = None,
    division: str | None = None,
) -> int:
    """How many reports ``list_reports`` would return without pagination."""
    statement = _filtered(
        select(func.count(col(Report.id))).select_from(Report).join(Source), source, year, status, division
    )
    with Session(engine) as db:
        return int(db.exec(statement).one())


def _attachment_row(row: Attachment) -> dict[str, Any]:
    return {
        "url": row.url,
        "name": row.name,
        "type": row.type,
        "size": row.size,
        "sha256": row.sha256,
        "blob_key": row.blob_key,
        "text_key": row.text_key,
        "text_status": row.text_status,
        "text_source": row.text_source,
        "ocr_confidence": row.ocr_confidence,
    }


def _version_row(version: Version, attachments: Sequence[Attachment] = ()) -> dict[str, Any]:
    summary = _loads(version.diff_summary) if version.diff_summary else None
    return {
        "number": version.number,
        "title": version.title,
        "url": version.url,
        "first_seen": iso(version.first_seen),
        "last_seen": iso(version.last_seen),
        "text_hash": version.text_hash,
        "metadata_hash": version.metadata_hash,
        "metadata": _loads(version.metadata_json),
        "text_key": version.text_key,
        "raw_key": version.raw_key,
        "capture_id": version.capture_id,
        "chars_added": version.chars_added,
        "chars_removed": version.chars_removed,
        "paragraphs_changed": version.paragraphs_changed,
        "summary": summary,
        "text_source": version.text_source,
        "ocr_confidence": version.ocr_confidence,
        "attachments": [_attachment_row(a) for a in attachments],
    }


def _load_report(db: Session, report_id: int) -> tuple[Report, str]:
    row = db.exec(select(Report, Source.name).join(Source).where(Report.id == report_id)).first()
    if row is None:
        raise NotFoundError("report", report_id)
    return row[0], row[1]


def list_versions(engine: Engine, report_id: int) -> list[dict[str, Any]]:
    """A report's versions, oldest first, each with its attachments."""
    with Session(engine) as db:
        _load_report(db, report_id)
        versions = db.exec(
            select(Version).where(Version.report_id == report_id).order_by(col(Version.number))
        ).all()
        attachments: dict[int, list[Attachment]] = {}
        if versions:
            rows = db.exec(
                select(Attachment)
                .where(col(Attachment.version_id).in_([v.id for v in versions]))
                .order_by(col(Attachment.id))
            ).all()
            for row in rows:
                attachments.setdefault(row.version_id, []).append(row)
        return [_version_row(v, attachments.get(v.id or 0, [])) for v in versions]


def get_report(engine: Engine, report_id: int) -> dict[str, Any]:
    """One report with its URLs and versions (NotFoundError when unknown)."""
    with Session(engine) as db:
        report, source = _load_report(db, report_id)
        urls = db.exec(
            select(ReportUrl).where(ReportUrl.report_id == report_id).order_by(col(ReportUrl.first_seen))
        ).all()
        document = _report_row(report, source)
        document.update(
            {
                "index_no": report.index_no,
                "doc_no": report.doc_no,
                "last_seen": iso(report.last_seen),
                "last_checked": iso(report.last_checked),
                "missing_checks": report.missing_checks,
                "urls": [
                    {"url": u.url, "first_seen": iso(u.first_seen), "last_seen": iso(u.last_seen)}
                    for u in urls
                ],
            }
        )
    document["versions"] = list_versions(engine, report_id)
    document["version_count"] = len(document["versions"])
    return document


def _version(db: Session, report: Report, number: int | None) -> Version:
    wanted = report.current_version if number is None else number
    version = db.exec(select(Version).where(Version.report_id == report.id, Version.number == wanted)).first()
    if version is None:
        raise NotFoundError("version", f"{report.id}/{wanted}")
    return version


def get_version(engine: Engine, report_id: int, number: int | None = None) -> dict[str, Any]:
    """One version (default: the current one) with its attachments."""
    with Session(engine) as db:
        report, _ = _load_report(db, report_id)
        version = _version(db, report, number)
        attachments = db.exec(select(Attachment).where(Attachment.version_id == version.id)).all()
        return _version_row(version, attachments)


def version_text(engine: Engine, store: BlobStore, report_id: int, number: int | None = None) -> str:
    """The archived normalised text of a version (default: the current one)."""
    with Session(engine) as db:
        report, _ = _load_report(db, report_id)
        key = _version(db, report, number).text_key
    return store.get_bytes(key).decode("utf-8")


def diff_versions(
    engine: Engine,
    store: BlobStore,
    report_id: int,
    from_number: int | None = None,
    to_number: int | None = None,
) -> dict[str, Any]:
    """What changed between two versions (default: the current one and its predecessor).

    ``{"report_id", "from", "to", "summary": {chars_added, chars_removed, paragraphs_changed,
    sentences_changed}, "metadata_changes": {field: {"from", "to"}}, "ops": [...]}`` — ops as
    ``archive.diffs.TextDiff.to_json``.
    """
    with Session(engine) as db:
        report, _ = _load_report(db, report_id)
        new = _version(db, report, to_number)
        if from_number is None:
            if new.number <= 1:
                raise NothingToCompareError(report_id, f"version {new.number} has no predecessor")
            from_number = new.number - 1
        old = _version(db, report, from_number)
    if old.number == new.number:
        raise NothingToCompareError(report_id, f"version {new.number} compared with itself")
    text_diff = diff_texts(
        store.get_bytes(old.text_key).decode("utf-8"), store.get_bytes(new.text_key).decode("utf-8")
    )
    before, after = _loads(old.metadata_json), _loads(new.metadata_json)
    changes = {
        name: {"from": before.get(name), "to": after.get(name)}
        for name in IDENTITY_FIELDS
        if before.get(name) != after.get(name)
    }
    return {
        "report_id": report_id,
        "from": old.number,
        "to": new.number,
        "from_first_seen": iso(old.first_seen),
        "to_first_seen": iso(new.first_seen),
        "text_changed": old.text_hash != new.text_hash,
        "metadata_changes": changes,
        **text_diff.to_json(),
    }


def events_after(
    engine: Engine,
    cursor: int = 0,
    *,
    limit: int = 100,
    kinds: Sequence[str] | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Events with an id above ``cursor``, oldest first (the changes feed and alert outbox)."""
    statement = (
        select(Event, Source.name)
        .join(Source, col(Event.source_id) == col(Source.id), isouter=True)
        .where(col(Event.id) > cursor)
        .order_by(col(Event.id))
        .limit(limit)
    )
    if kinds:
        statement = statement.where(col(Event.kind).in_(list(kinds)))
    if source is not None:
        statement = statement.where(Source.name == source)
    with Session(engine) as db:
        rows = db.exec(statement).all()
        return [
            {
                "id": event.id,
                "kind": event.kind,
                "source": name,
                "report_id": event.report_id,
                "version_id": event.version_id,
                "created_at": iso(event.created_at),
                "title": event.title,
                "detail": _loads(event.detail_json),
            }
            for event, name in rows
        ]


def _run_row(run: CrawlRun, per_source: Sequence[tuple[SourceRun, str]]) -> dict[str, Any]:
    return {
        "id": run.id,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "status": run.status,
        "trigger": run.trigger,
        "sources": [name for name in run.sources.split(",") if name],
        "error": run.error,
        "stats": _loads(run.stats_json),
        "per_source": [
            {
                "name": name,
                "status": row.status,
                "discovered": row.discovered,
                "fetched": row.fetched,
                "new": row.new,
                "changed": row.changed,
                "unchanged": row.unchanged,
                "removed": row.removed,
                "blocked": row.blocked,
                "errors": row.errors,
                "report_links": row.report_links,
                "error": row.error,
            }
            for row, name in per_source
        ],
    }


def _settle_dead_runs(engine: Engine) -> None:
    """Close runs whose crawl process is gone, so what is shown is true; a read-only catalog shows as is."""
    from archive.runs import close_dead_runs

    try:
        close_dead_runs(engine)
    except Exception:  # noqa: BLE001 — reading must not fail because this write could not happen
        logger.debug("could not close dead runs", exc_info=True)


def list_runs(engine: Engine, *, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
    """The latest crawl runs, newest first, with their per-source counts (runs whose process is gone: died)."""
    _settle_dead_runs(engine)
    with Session(engine) as db:
        statement = select(CrawlRun).order_by(col(CrawlRun.id).desc()).limit(limit)
        if source is not None:
            statement = statement.where(
                col(CrawlRun.id).in_(select(SourceRun.run_id).join(Source).where(Source.name == source))
            )
        runs = db.exec(statement).all()
        per: dict[int, list[tuple[SourceRun, str]]] = {}
        if runs:
            rows = db.exec(
                select(SourceRun, Source.name)
                .join(Source)
                .where(col(SourceRun.run_id).in_([r.id for r in runs]))
                .order_by(col(Source.name))
            ).all()
            for row, name in rows:
                per.setdefault(row.run_id, []).append((row, name))
        return [_run_row(run, per.get(run.id or 0, [])) for run in runs]


def get_run(engine: Engine, run_id: int) -> dict[str, Any]:
    """One crawl run with its per-source counts."""
    with Session(engine) as db:
        run = db.get(CrawlRun, run_id)
        if run is None:
            raise NotFoundError("run", run_id)
        rows = db.exec(
            select(SourceRun, Source.name)
            .join(Source)
            .where(SourceRun.run_id == run_id)
            .order_by(col(Source.name))
        ).all()
        return _run_row(run, list(rows))


def list_sources(engine: Engine) -> list[dict[str, Any]]:
    """Every source with its report counts (``reports``, ``active``, ``removed``) and health."""
    _settle_dead_runs(engine)
    counts = (
        select(
            Report.source_id,
            func.count(col(Report.id)).label("reports"),
            func.sum(case((col(Report.status) == "removed", 1), else_=0)).label("removed"),
        )
        .group_by(col(Report.source_id))
        .subquery()
    )
    # plain columns, not Source entities: thousands of sources, and no definition_json to load
    statement = (
        sa_select(*(col(column) for column in (Source.name, Source.title, Source.region, Source.level,
                                               Source.division_code, Source.health, Source.last_run_at,
                                               Source.last_run_status)),
                  counts.c.reports, counts.c.removed)
        .join(counts, col(Source.id) == counts.c.source_id, isouter=True)
        .order_by(col(Source.name))
    )
    with Session(engine) as db:
        out = []
        for source in db.connection().execute(statement).all():
            reports, removed = source.reports, source.removed
            total, gone = int(reports or 0), int(removed or 0)
            out.append(
                {
                    "name": source.name,
                    "title": source.title,
                    "region": source.region,
                    "level": source.level,
                    "division_code": source.division_code,
                    "health": source.health,
                    "last_run_at": iso(source.last_run_at),
                    "last_run_status": source.last_run_status,
                    "reports": total,
                    "active": total - gone,
                    "removed": gone,
                }
            )
        return out


def capture_warc_keys(
    engine: Engine, *, report_id: int | None = None, source: str | None = None
) -> list[str]:
    """WARC object keys of captures, in capture order (for ``archive.warc.write_combined_warc``)."""
    statement = select(Capture.warc_key).where(col(Capture.warc_key).is_not(None))
    if report_id is not None:
        statement = statement.where(Capture.report_id == report_id)
    if source is not None:
        statement = statement.join(Source, col(Capture.source_id) == col(Source.id)).where(
            Source.name == source
        )
    statement = statement.order_by(col(Capture.fetched_at), col(Capture.id))
    with Session(engine) as db:
        return [key for key in db.exec(statement).all() if key]
