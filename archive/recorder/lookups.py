"""The rows a recording reads, fetched once per batch and kept current as the batch writes.

Recording one page asks the catalog five or six questions (was this exchange recorded before,
which report owns this URL, its URL row and current version, an earlier capture with the same
payload, a report with the same text). Asked one page at a time, each question is a SELECT and,
inside a batch, an autoflush of everything pending. ``prefetch`` asks each question once for a
whole batch (``WHERE … IN (…)``); what the batch then writes is noted here, so that the answers
stay those a page-by-page recording would have got. A question that was not prefetched is asked
lazily (the same SELECT as before), so a single recording is a batch of one through the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert
from sqlmodel import Session, col, select

from archive.catalog.models import Capture, Report, ReportUrl, Version
from archive.recorder.scoped import SessionScoped
from archive.timeutil import as_utc

_CHUNK = 400  # bound parameters per IN list (SQLite's limit is far above, this keeps plans simple)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@dataclass(frozen=True, slots=True)
class QueuedCapture:
    """What the questions read of a capture row that is queued, not yet inserted."""

    url: str
    fetched_at: Any  # datetime
    status: int
    payload_digest: str | None
    warc_type: str | None
    outcome: str
    report_id: int | None
    dedup_key: str | None


class Lookups(SessionScoped):
    """Per-session answers; get one with ``Lookups.of(session)``."""

    info_key = "govarchive.lookups"

    def __init__(self, db: Session) -> None:
        super().__init__(db)
        self._captures: dict[str, Capture | QueuedCapture | None] = {}  # dedup key → capture
        self._reports: dict[str, Report | None] = {}  # URL → report owning it
        self._urls: dict[str, ReportUrl | None] = {}  # URL → its row
        self._versions: dict[tuple[int, int], Version | None] = {}  # (report id, number) → version
        self._bodies: dict[int, str | None] = {}  # version id → payload digest of the capture it came from
        self._earliest: dict[tuple[str, str], Capture | QueuedCapture | None] = {}  # (URL, digest) → response
        self._queued: list[dict[str, Any]] = []  # capture rows no version names: one INSERT per batch
        self._by_text: dict[str, list[Report]] = {}  # text hash → reports, by id (prefetched hashes only)

    # -- one query per batch -------------------------------------------------------------------
    def prefetch(
        self, *, keys: Sequence[str], urls: Sequence[str], digests: Sequence[tuple[str, str]], text_hashes: Sequence[str]
    ) -> None:
        """Answer every question the batch will ask about these keys, URLs, payloads and texts."""
        db = self.db
        for part in _chunks(k for k in keys if k not in self._captures):
            self._captures.update(dict.fromkeys(part))
            for capture in db.exec(select(Capture).where(col(Capture.dedup_key).in_(part))):
                self._captures[capture.dedup_key or ""] = capture
        report_ids: set[tuple[int, int]] = set()
        for part in _chunks(u for u in urls if u not in self._urls):
            self._urls.update(dict.fromkeys(part))
            self._reports.update(dict.fromkeys(part))
            for report, row in db.exec(select(Report, ReportUrl).join(ReportUrl).where(col(ReportUrl.url).in_(part))):
                self._urls[row.url], self._reports[row.url] = row, report
                if report.id is not None:
                    report_ids.add((report.id, report.current_version))
        self._prefetch_versions(report_ids)
        self._prefetch_payloads(digests)
        for part in _chunks(h for h in text_hashes if h not in self._by_text):
            for text_hash in part:
                self._by_text[text_hash] = []
            for report in db.exec(select(Report).where(col(Report.text_hash).in_(part)).order_by(col(Report.id))):
                self._by_text[report.text_hash or ""].append(report)

    def _prefetch_versions(self, wanted: set[tuple[int, int]]) -> None:
        todo = {pair for pair in wanted if pair not in self._versions}
        self._versions.update(dict.fromkeys(todo))
        for part in _chunks(report_id for report_id, _ in todo):
            query = (
                select(Version, Capture.payload_digest)
                .join(Report, and_(col(Version.report_id) == col(Report.id),
                                   col(Version.number) == col(Report.current_version)))
                .join(Capture, col(Version.capture_id) == col(Capture.id), isouter=True)
            )
            for version, digest in self.db.exec(query.where(col(Report.id).in_(part))):
                self._versions[(version.report_id, version.number)] = version
                self._bodies[version.id or 0] = digest

    def _prefetch_payloads(self, digests: Sequence[tuple[str, str]]) -> None:
        todo = {pair for pair in digests if pair not in self._earliest}
        self._earliest.update(dict.fromkeys(todo))
        for part in _chunks(url for url, _ in todo):
            query = (
                select(Capture)
                .where(col(Capture.url).in_(part), col(Capture.payload_digest).in_({d for _, d in todo}))
                .where(Capture.warc_type == "response", col(Capture.status).between(200, 299))
                .order_by(col(Capture.fetched_at), col(Capture.id))
            )
            for capture in self.db.exec(query):
                pair = (capture.url, capture.payload_digest or "")
                if pair in todo and self._earliest[pair] is None:
                    self._earliest[pair] = capture

    # -- questions -------------------------------------------------------------------------------
    def capture(self, key: str) -> Capture | QueuedCapture | None:
        """The capture recorded with dedup key ``key``, if any."""
        if key not in self._captures:
            self.write_captures()
            self._captures[key] = self.db.exec(select(Capture).where(Capture.dedup_key == key)).first()
        return self._captures[key]

    def report(self, url: str) -> Report | None:
        """The report one of whose URLs is ``url``."""
        if url not in self._reports:
            self._reports[url] = self.db.exec(select(Report).join(ReportUrl).where(ReportUrl.url == url)).first()
        return self._reports[url]

    def url_row(self, url: str) -> ReportUrl | None:
        if url not in self._urls:
            self._urls[url] = self.db.exec(select(ReportUrl).where(ReportUrl.url == url)).first()
        return self._urls[url]

    def current_version(self, report: Report) -> Version | None:
        assert report.id is not None
        pair = (report.id, report.current_version)
        if pair not in self._versions:
            self._versions[pair] = self.db.exec(
                select(Version).where(Version.report_id == report.id, Version.number == report.current_version)
            ).first()
        return self._versions[pair]

    def body_digest(self, version: Version) -> str | None:
        """SHA-256 hex of the body ``version`` was extracted from (its capture's payload digest)."""
        assert version.id is not None
        if version.id not in self._bodies:
            capture = self.db.get(Capture, version.capture_id) if version.capture_id is not None else None
            self._bodies[version.id] = capture.payload_digest if capture is not None else None
        return self._bodies[version.id]

    def earliest_response(self, url: str, digest: str) -> Capture | QueuedCapture | None:
        """The first 2xx response capture of ``url`` with this payload (a revisit's target)."""
        pair = (url, digest)
        if pair not in self._earliest:
            self.write_captures()
            self._earliest[pair] = self.db.exec(
                select(Capture)
                .where(Capture.url == url, Capture.payload_digest == digest)
                .where(Capture.warc_type == "response", col(Capture.status).between(200, 299))
                .order_by(col(Capture.fetched_at), col(Capture.id))
                .limit(1)
            ).first()
        return self._earliest[pair]

    def report_with_text(self, source_id: int, text_hash: str) -> Report | None:
        """The first report (by id) of the source whose current text has this hash."""
        if text_hash not in self._by_text:
            return self.db.exec(
                select(Report).where(Report.source_id == source_id, Report.text_hash == text_hash).order_by(col(Report.id))
            ).first()
        return next((r for r in self._by_text[text_hash] if r.source_id == source_id), None)

    # -- what the batch wrote ----------------------------------------------------------------------
    def queue_capture(self, row: dict[str, Any]) -> None:
        """A capture row to insert with the others at ``write_captures`` (Core, one statement)."""
        self._queued.append(row)
        self.added_capture(QueuedCapture(**{name: row[name] for name in QueuedCapture.__slots__}))

    def write_captures(self) -> None:
        """Insert the queued capture rows (before the batch commits, or a question read from the table)."""
        if self._queued:
            rows, self._queued = self._queued, []
            self.db.flush()  # the reports they name first (foreign keys)
            self.db.connection().execute(insert(Capture), rows)

    def added_capture(self, capture: Capture | QueuedCapture) -> None:
        if capture.dedup_key is not None:
            self._captures[capture.dedup_key] = capture
        pair = (capture.url, capture.payload_digest or "")
        if capture.warc_type == "response" and 200 <= capture.status <= 299 and pair in self._earliest:
            earlier = self._earliest[pair]
            if earlier is None or as_utc(capture.fetched_at) < as_utc(earlier.fetched_at):
                self._earliest[pair] = capture  # same time: the earlier row (lower id) stays first

    def added_url(self, row: ReportUrl, report: Report) -> None:
        self._urls[row.url], self._reports[row.url] = row, report

    def added_version(self, version: Version, body_digest: str | None) -> None:
        self._versions[(version.report_id, version.number)] = version
        self._bodies[version.id or 0] = body_digest

    def rehashed(self, report: Report, old: str | None, new: str | None) -> None:
        """``report``'s current text hash went from ``old`` to ``new``."""
        if old is not None and old in self._by_text and report in self._by_text[old]:
            self._by_text[old].remove(report)
        if new is not None and new in self._by_text and report not in self._by_text[new]:
            self._by_text[new].append(report)
            self._by_text[new].sort(key=lambda r: r.id or 0)
