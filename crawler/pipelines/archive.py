"""Everything found goes to the archive here: reports, 304s, missing and blocked pages, listings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.batch import Recording
from archive.outcomes import Outcome
from archive.runsummary import RunSummary
from crawler.config import crawl_config
from crawler.items import ExtractedPage, Listing, PageOutcome
from crawler.outcomes import describe_unavailable, is_unavailable, source_summary
from crawler.session import CrawlSession, crawl_session
from crawler.workers.writer import BatchWriter, WriterConfig, writer_for
from crawler.workers.writerproc import ArchiveAddress, writer_address

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler

    from archive.recorder import RecordResult

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Record items with ``archive.recorder.Archive``; count outcomes as ``archive/<outcome>``.

    Pages go to the archive's writer thread (``crawler.workers.writer``), which commits them in
    batches; the reactor keeps downloading meanwhile, and waits only when the writer's queue is full.
    """

    def __init__(self, crawler: Crawler, writer_config: WriterConfig | None = None,
                 address: ArchiveAddress | None = None) -> None:
        self.crawler = crawler
        self.writer_config = writer_config
        self.address = address  # set: batches are committed in a writer process
        self.session: CrawlSession | None = None
        self.paused = False  # this pipeline paused its crawler's engine (the writer is behind)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        crawl = crawl_config(crawler)
        if crawl.check_only:
            raise NotConfigured
        pipeline = cls(crawler)
        pipeline.writer_config = WriterConfig(max_batch=crawl.writer_batch, max_wait=crawl.writer_wait,
                                              max_queued=crawl.writer_queue)
        pipeline.address = writer_address(crawl)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        return pipeline

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key, count)

    def open_spider(self) -> None:
        self.session = crawl_session(self.crawler)

    async def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one archive call on the writer thread, in order with its batches."""
        session = self.session or crawl_session(self.crawler)
        return await self._writer(session).call(lambda: function(*args, **kwargs))

    async def _record(self, writer: BatchWriter, recording: Recording,
                      after: Callable[[RecordResult], None] | None) -> RecordResult:
        """Record a page in the writer's next batch (subclasses may record it alone)."""
        return await writer.record(recording, after=after)

    def _writer(self, session: CrawlSession) -> BatchWriter:
        assert session.archive is not None
        return writer_for(session.archive, self.writer_config, self.address)

    async def process_item(self, item: Any) -> Any:
        session = self.session or crawl_session(self.crawler)
        archive = session.archive
        if archive is None:
            return item
        run_id = session.run_id
        writer = self._writer(session)
        try:
            if isinstance(item, ExtractedPage | PageOutcome):
                recording = (Recording("report", item.source, item.page, item.report, run_id)
                             if isinstance(item, ExtractedPage) else
                             Recording(item.kind, item.source, item.page, None, run_id))
                self._hold_back(writer)
                result = await self._record(writer, recording, self._journal(session, item.page.url))
                self._inc(f"archive/{result.outcome}")
            elif isinstance(item, Listing):
                results = await self._call(archive.record_listing, item.source, item.urls, complete=item.complete,
                                           run_id=run_id)
                for result in results:
                    self._inc(f"archive/listing_{result.outcome}")
                    if result.outcome == "removed":
                        self._inc("archive/removed")
        except Exception as exc:
            # an archive failure costs this item only; nothing half-written is committed
            self._archive_failed(item, exc)
        return item

    def _hold_back(self, writer: BatchWriter) -> None:
        """Pause fetching while the writer has twice its queue waiting, until it is down to one queue.

        Scrapy's own brake counts a response's bytes (at least 1 KB), but an answer waiting for the
        writer costs ~27 KB of requests, tasks and coroutines whatever its size: a re-check's 304s
        piled up by the thousand (a 20,000-report re-check grew the crawl process by ~130 MB). The
        writer is shared by the crawlers of one run: each pauses its own engine and is woken by the
        writer, not by its own pages (which may all be done while others' still wait).
        """
        engine = self.crawler.engine
        if engine is None or self.paused or writer.pending < 2 * writer.config.max_queued:
            return
        engine.pause()
        self.paused = True
        self._inc("archive/writer_backpressure")
        writer.when_drained(self._go_on)

    def _go_on(self) -> None:
        """Fetch again (the writer is down to one queue's worth)."""
        engine = self.crawler.engine
        self.paused = False
        if engine is None:
            return
        engine.unpause()
        slot = getattr(engine, "_slot", None)  # wake the engine now, not at its next 5 s heartbeat
        if slot is not None:
            slot.nextcall.schedule()

    @staticmethod
    def _journal(session: CrawlSession, url: str) -> Callable[[RecordResult], None] | None:
        """Mark ``url`` in the crawl's journal once recorded (on the writer thread, after the commit)."""
        journal = session.journal
        if journal is None:
            return None
        return lambda result: journal.mark(url, result.outcome)

    def _archive_failed(self, item: Any, exc: Exception) -> None:
        """Count the failure; when the store or catalog is unavailable, stop this source's crawl."""
        self._inc("errors/archive")
        self._inc(f"archive/error/{type(exc).__name__}")
        stats = self.crawler.stats
        unavailable = is_unavailable(exc)
        text = describe_unavailable(exc) if unavailable else (str(exc).splitlines() or [type(exc).__name__])[0]
        first = stats is not None and not stats.get_value("errors/first_archive")
        if stats is not None and first:
            stats.set_value("errors/first_archive", text[:300])
        url = getattr(getattr(item, "page", None), "url", item)
        if not unavailable:
            logger.error("archive failed for %s: %s", url, exc, exc_info=exc)
            return
        # fetching on is pointless: nothing more could be stored; the next run fetches these again
        logger.log(logging.ERROR if first else logging.INFO, "%s: archive unavailable, stopping: %s",
                   self.session.source.name if self.session else "crawl", text, exc_info=exc)
        engine = self.crawler.engine
        if first and engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=Outcome.STORE_UNAVAILABLE.value))

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        """A catalog the spider could not read (its known reports, at the start) stops the source as
        ``store_unavailable``, like a failed write; Scrapy alone would end it ``start_error``."""
        exc = failure.value
        if isinstance(exc, Exception) and is_unavailable(exc):
            self._archive_failed("the catalog's known reports", exc)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Record the source's counts in its run; forget the journal after a clean finish."""
        session = self.session
        if session is None or session.archive is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        summary = source_summary(session.source.name, stats)
        archive = session.archive
        try:
            if session.run_id is not None:
                archive.update_source_run(session.run_id, session.source.name, **summary.source_run_fields())
            if session.own_run and session.run_id is not None:
                run = RunSummary.of(session.run_id, [summary])
                archive.finish_run(session.run_id, status=run.status, stats=run.as_dict(), error=summary.error)
        except Exception:
            logger.exception("could not record the run of %s", session.source.name)
        if session.journal is not None:
            if reason == "finished":
                session.journal.clear()
            else:
                session.journal.close()
