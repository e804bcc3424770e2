"""The archive pipeline of a worker: the same recording, safe when several workers record at once.

Same URL twice: the catalog's unique keys (reports.canonical_url, report_urls.url, versions
(report_id, number), captures.dedup_key) make a second writer's transaction fail, and the recorder
retries it against what the first one committed (``Archive._transact``), so it ends as
"unchanged" or a replay, never as a second report or version.

Same text at two URLs at once: "moved" detection reads the reports of the source with that text,
which no unique key protects. Recording a report page therefore holds a Redis lock named after the
source and the text's hash, so the second page is recorded after the first and found as a move,
as a single process would. The lock names its worker; a dead worker's lock is taken over as soon
as its heartbeat has expired.

The run's counts are not written by any one worker: they are summed in Redis and written once by
the worker that finishes the run (govarchive/launch/runs.py ``finish_source_run``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from archive.changes import normalise_text, text_hash
from crawler.config import crawl_config
from crawler.distributed.frontier import Frontier
from crawler.pipelines.archive import ArchivePipeline

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler

    from archive.batch import Recording
    from archive.recorder import RecordResult
    from crawler.workers.writer import BatchWriter


class DistributedArchivePipeline(ArchivePipeline):
    """ArchivePipeline with a per-text Redis lock around report recording and no run bookkeeping."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        from scrapy_redis import connection

        config = crawl_config(crawler)
        self.frontier = Frontier(connection.from_settings(crawler.settings), config.frontier_prefix)
        self.worker = config.worker_id or ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return super().from_crawler(crawler)

    async def _record(self, writer: BatchWriter, recording: Recording,
                      after: Callable[[RecordResult], None] | None) -> RecordResult:
        """Reports are recorded alone, inside their text's lock (a batch would commit after the lock)."""
        if recording.kind != "report":
            return await super()._record(writer, recording, after)
        archive, report = writer.archive, recording.report
        assert report is not None
        lock = f"{recording.source}:text:{text_hash(normalise_text(report.text))}"

        def record_locked() -> RecordResult:
            with self.frontier.lock(lock, self.worker):
                return archive.record_report(recording.source, recording.page, report, run_id=recording.run_id)

        result: RecordResult = await self._call(record_locked)
        if after is not None:
            after(result)
        return result

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Nothing to record here: the finishing worker writes the run's summed counts."""
