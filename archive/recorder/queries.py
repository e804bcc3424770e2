"""What the crawler asks the archive before fetching: the known reports of a source, the
conditional-request headers of a URL, and a version's archived text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlmodel import col, select

from archive.catalog.models import Capture, Report, Source, Version
from archive.recorder.core import ArchiveCore

_GOOD_OUTCOMES = ("new", "changed", "unchanged", "moved", "restored", "not_modified")


@dataclass(frozen=True, slots=True)
class KnownReport:
    """What a crawler needs to re-check a known report politely."""

    report_id: int
    url: str
    etag: str | None
    last_modified: str | None
    last_checked: Any  # datetime
    status: str  # active / removed
    payload_digest: str | None = None  # SHA-256 hex of the current version's body: same body, no extraction


class QueriesMixin(ArchiveCore):
    """Read-only questions about what is archived."""

    def known_reports(self, source: str) -> list[KnownReport]:
        """Every report of ``source`` (active and removed), for polite re-checks."""
        # six columns, not ORM rows: for 20,000 reports the load peaks at 11 MB instead of 50 MB
        with self._session() as db:
            current = and_(col(Version.report_id) == col(Report.id), col(Version.number) == col(Report.current_version))
            rows = db.execute(
                sa_select(col(Report.id), col(Report.canonical_url), col(Report.etag), col(Report.last_modified),
                          col(Report.last_checked), col(Report.status), col(Capture.payload_digest))
                .select_from(Report)
                .join(Source, col(Report.source_id) == col(Source.id))
                .join(Version, current, isouter=True)
                .join(Capture, col(Version.capture_id) == col(Capture.id), isouter=True)
                .where(col(Source.name) == source)
                .order_by(col(Report.id))
            ).all()
            return [KnownReport(id_ or 0, *rest) for id_, *rest in rows]

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
