"""Group commit: many recordings in one catalog transaction and one store sync.

A crawl hands the archive a stream of small recordings (a report page, a 304, a 404 …). Each in
its own transaction costs a commit and, in a folder store, two fsyncs per object; a batch costs
one commit and two file-system syncs for all of them, with the same guarantee: every object is
durable before the rows naming it are committed, so a process killed anywhere leaves at most
unnamed objects behind, and whatever a committed batch recorded is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.records import ExtractedReport, FetchedPage

if TYPE_CHECKING:
    from archive.recorder import Archive, RecordResult

logger = logging.getLogger(__name__)
KINDS = ("report", "same_payload", "not_modified", "missing", "blocked")


@dataclass(frozen=True, slots=True)
class Recording:
    """One exchange to record: ``kind`` is report / same_payload / not_modified / missing / blocked.

    ``same_payload``: a 200 whose body's SHA-256 equals ``KnownReport.payload_digest`` (the
    report's current version), recorded as ``unchanged`` without extraction (no ``report``).
    """

    kind: str
    source: str
    page: FetchedPage
    report: ExtractedReport | None = None
    run_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown recording kind {self.kind!r}")
        if (self.kind == "report") != (self.report is not None):
            raise ValueError("a report recording needs its extracted report, and only it")


def record_one(archive: Archive, item: Recording) -> RecordResult:
    """Record ``item`` through the Archive method of its kind."""
    if item.kind == "report":
        assert item.report is not None
        return archive.record_report(item.source, item.page, item.report, run_id=item.run_id)
    method = {"same_payload": archive.record_same_payload, "not_modified": archive.record_not_modified, "missing": archive.record_missing,
              "blocked": archive.record_blocked}[item.kind]
    return method(item.source, item.page, run_id=item.run_id)


def record_batch(archive: Archive, items: Sequence[Recording]) -> list[RecordResult | Exception]:
    """Record ``items`` in order, in one transaction; the result (or error) of each, in order.

    When any of them fails the batch is rolled back and each is recorded again on its own, so
    one bad item costs only itself (recording is idempotent: objects are content addressed and
    an exchange already recorded is recognised by its capture key).
    """
    if not items:
        return []
    try:
        with archive.batch():
            archive.prefetch([item.page for item in items], [item.report for item in items if item.report])
            results: list[RecordResult | Exception] = [record_one(archive, item) for item in items]
        return results
    except Exception as exc:  # noqa: BLE001 — the failing item is found below and its error returned
        logger.info("batch of %d rolled back (%s: %s); recording one by one", len(items), type(exc).__name__, exc)
    out: list[RecordResult | Exception] = []
    for item in items:
        try:
            out.append(record_one(archive, item))
        except Exception as exc:  # noqa: BLE001 — handed back to the caller with its item
            out.append(exc)
    return out
