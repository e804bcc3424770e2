"""The archive's front door: record what the crawler fetched, decide new / changed / unchanged.

CONTRACT (signatures fixed; implemented by the archive owner). Objects are written before the
catalog rows that name them, one transaction per report, so a killed process loses nothing and
duplicates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from .records import ExtractedReport, FetchedPage
from .storage import BlobStore


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


class Archive:
    """Catalog + object store, with the change rules."""

    def __init__(self, engine: Engine, store: BlobStore, *, removal_checks: int = 3) -> None:
        raise NotImplementedError

    # sources and runs
    def ensure_source(self, name: str, *, title: str = "", region: str = "", level: str = "",
                      definition: Mapping[str, Any] | None = None) -> int: ...
    def start_run(self, sources: Iterable[str], *, trigger: str = "cli", pid: int | None = None) -> int: ...
    def finish_run(self, run_id: int, *, status: str, stats: Mapping[str, Any] | None = None,
                   error: str | None = None) -> None: ...
    def update_source_run(self, run_id: int, source: str, **counts: int | str | None) -> None: ...

    # what the crawler records
    def record_report(self, source: str, page: FetchedPage, report: ExtractedReport,
                      *, run_id: int | None = None) -> RecordResult: ...
    def record_not_modified(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult: ...
    def record_missing(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult: ...
    def record_blocked(self, source: str, page: FetchedPage, *, run_id: int | None = None) -> RecordResult: ...
    def record_listing(self, source: str, report_urls: Iterable[str], *, complete: bool,
                       run_id: int | None = None) -> list[RecordResult]: ...

    # what the crawler asks
    def known_reports(self, source: str) -> list[KnownReport]: ...
    def conditional_headers(self, url: str) -> dict[str, str]: ...
