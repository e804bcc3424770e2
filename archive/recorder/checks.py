"""Answers that make no version: 304 (still there), 404/410 or soft 404 (one missing check,
``removed`` when they add up), blocked answers, and a complete listing's absences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlmodel import Session, select

from archive.catalog.models import Report, ReportUrl, Source
from archive.recorder.captures import CapturesMixin
from archive.recorder.core import RecordResult
from archive.recorder.versions import VersionsMixin
from archive.records import FetchedPage
from archive.timeutil import as_utc as _utc
from archive.timeutil import utcnow as _now


class ChecksMixin(CapturesMixin, VersionsMixin):
    """``record_not_modified``, ``record_missing``, ``record_blocked``, ``record_listing``."""

    def _record_answer(
        self, source: str, page: FetchedPage, run_id: int | None, judge: Callable[[Session, Report | None], str]
    ) -> RecordResult:
        """One transaction: the capture of an answer that makes no version, with the outcome that
        ``judge`` gives after updating the report the URL belongs to (if any)."""

        def work(db: Session) -> RecordResult:
            replay = self._replay(db, page)
            if replay is not None:
                return replay
            src = self._source(db, source)
            assert src.id is not None
            report = self._report_by_url(db, page.url)
            objects = self._store_capture(page, None)
            outcome = judge(db, report)
            return self._add_capture(db, page, objects, source_id=src.id, report=report, run_id=run_id,
                                     outcome=outcome)

        return self._transact(work)

    def record_not_modified(
        self, source: str, page: FetchedPage, *, run_id: int | None = None
    ) -> RecordResult:
        """Record a 304 answer to a conditional request: the report is still there, unchanged."""

        def judge(db: Session, report: Report | None) -> str:
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
            return outcome

        return self._record_answer(source, page, run_id, judge)

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

        def judge(db: Session, report: Report | None) -> str:
            if report is not None and page.url == report.canonical_url:
                return self._count_missing(db, report, run_id, _utc(page.fetched_at))
            return "missing"

        return self._record_answer(source, page, run_id, judge)

    def record_blocked(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult:
        """Record an answer that says nothing about the report (anti-bot challenge, 403, 5xx)."""
        return self._record_answer(source, page, run_id, lambda db, report: "blocked")

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
            if report_id is not None:  # stored rows have one; the column type allows None
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
