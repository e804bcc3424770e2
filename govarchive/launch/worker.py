"""``govarchive worker``: one process that crawls whatever the shared frontier holds.

Every second the worker looks at the distributed runs in progress (``govarchive:active``). For each
source it serves it puts back the leases of dead workers, starts a crawler for the source if it has
none (the source's definition comes with the run, so workers need no local source files), and tries
to finish the source's run. A source crawler stays open while its source has a run in progress and
closes afterwards. The worker exits once it has had no crawler and no run to serve for
``idle_timeout`` seconds, or on SIGINT/SIGTERM (unfinished leases go back to the frontier).
A heartbeat key, renewed every third of ``lease_seconds``, tells the others it is alive.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.distributed.frontier import Frontier
from crawler.heap import CRAWL_YOUNG_GENERATION, settle_after_start_up
from govarchive.launch.runner import OneLineFormatter, keep_scrapy_at_info
from govarchive.launch.runs import connect_frontier, finish_source_run, settings_archive
from govarchive.launch.worker_settings import worker_settings, worker_source_settings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.recorder import Archive
    from govarchive.config import Settings

logger = logging.getLogger(__name__)
TICK_SECONDS = 1.0
WARM_IMPORTS = ("spiders.distributed", "crawler.distributed.scheduler", "crawler.distributed.politeness",
                "crawler.distributed.pipeline", "crawler.pipelines.extraction", "crawler.handlers")


def new_worker_id() -> str:
    host = socket.gethostname().replace(":", "-") or "worker"
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerReport:
    """What one worker did before it stopped."""

    worker: str
    reason: str = "idle"
    crawled: dict[str, dict[str, int]] = field(default_factory=dict)  # source → fetched / archived / errors
    finished_runs: list[int] = field(default_factory=list)
    recovered: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"worker": self.worker, "reason": self.reason, "sources": self.crawled,
                "finished_runs": self.finished_runs, "recovered": self.recovered}


class Worker:
    """The process-level loop around the per-source crawlers (runs in the Twisted reactor)."""

    def __init__(self, settings: Settings, frontier: Frontier, archive: Archive, *, sources: Sequence[str] = (),
                 idle_timeout: float, worker_id: str | None = None) -> None:
        self.settings = settings
        self.frontier = frontier
        self.archive = archive
        self.wanted = set(sources)
        self.idle_timeout = idle_timeout
        self.id = worker_id or new_worker_id()
        self.lease_seconds = settings.worker.lease_seconds
        self.base = worker_settings(settings, self.id)
        self.report = WorkerReport(self.id)
        self.crawlers: dict[str, Crawler] = {}
        self._broken: set[str] = set()
        self._idle_since: float | None = None
        self._process: Any = None
        self._stopping = False

    # Loop ------------------------------------------------------------------------------
    def beat(self) -> None:
        try:
            self.frontier.heartbeat(self.id, self.lease_seconds,
                                    {"pid": os.getpid(), "host": socket.gethostname(), "sources": sorted(self.crawlers)})
        except Exception:  # noqa: BLE001 — keep going; leases expire only if it stays away
            logger.warning("heartbeat failed", exc_info=True)

    def tick(self) -> None:
        if self._stopping:
            return
        try:
            served = {s: r for s, r in self.frontier.active_runs().items() if not self.wanted or s in self.wanted}
            for source, run_id in sorted(served.items()):
                self._serve(source, run_id)
        except Exception:  # noqa: BLE001 — Redis or the catalog away for a moment: next tick
            logger.warning("worker tick failed", exc_info=True)
            return
        if self.crawlers or served:
            self._idle_since = None
            return
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= self.idle_timeout:
            logger.info("frontier empty for %.0f s: worker %s stops", self.idle_timeout, self.id)
            self.stop("idle")

    def _serve(self, source: str, run_id: int) -> None:
        recovered = self.frontier.recover(source)
        if recovered:
            self.report.recovered += recovered
            logger.warning("%s: put %d request(s) of dead workers back into the frontier", source, recovered)
        if source not in self.crawlers and source not in self._broken:
            self._start_crawler(source)
        if (self.frontier.try_finish(source, run_id, self.id)
                and finish_source_run(self.archive, self.frontier, source, run_id) is not None):
            self.report.finished_runs.append(run_id)

    def _start_crawler(self, source: str) -> None:
        from scrapy.crawler import Crawler
        from scrapy.settings import Settings as ScrapySettings

        from spiders.distributed import DistributedPortalSpider
        from spiders.sources import SourceDefinition

        text = self.frontier.definition(source)
        if text is None:
            logger.error("%s: no source definition published with its run", source)
            self._broken.add(source)
            return
        definition = SourceDefinition.model_validate_json(text)
        crawler_settings = ScrapySettings()
        crawler_settings.setdict(self.base, priority="project")
        crawler_settings.setdict(worker_source_settings(definition, self.base), priority="cmdline")
        crawler = Crawler(DistributedPortalSpider, crawler_settings)
        self.crawlers[source] = crawler
        logger.info("%s: crawler started", source)
        d = self._process.crawl(crawler, definition=definition)

        def done(result: Any) -> Any:
            self.crawlers.pop(source, None)
            stats = crawler.stats.get_stats() if crawler.stats else {}
            line = self.report.crawled.setdefault(source, {"fetched": 0, "archived": 0, "errors": 0})
            line["fetched"] += int(stats.get("report/fetched") or 0)
            line["archived"] += sum(int(stats.get(f"archive/{k}") or 0) for k in ("new", "changed", "unchanged",
                                                                                     "moved", "not_modified"))
            line["errors"] += sum(int(stats.get(f"errors/{k}") or 0) for k in ("listing", "report", "archive",
                                                                                  "extraction"))
            if hasattr(result, "getErrorMessage"):
                logger.error("%s: crawler failed: %s", source, result.getErrorMessage())
                self._broken.add(source)
                return None
            return result

        d.addBoth(done)

    def stop(self, reason: str) -> None:
        from twisted.internet import reactor

        if self._stopping:
            return
        self._stopping = True
        self.report.reason = reason
        d = self._process.stop()
        d.addBoth(lambda _: reactor.callLater(0, reactor.stop))

    # Run -------------------------------------------------------------------------------
    def run(self) -> WorkerReport:
        """Serve until idle or told to stop; blocks."""
        from scrapy.crawler import CrawlerProcess
        from scrapy.utils.reactor import install_reactor

        install_reactor(self.base["TWISTED_REACTOR"])
        for module in WARM_IMPORTS:  # a worker whose heartbeat shows is ready to work at once
            importlib.import_module(module)
        self._process = CrawlerProcess({**self.base, "LOG_INSTALL_ROOT_HANDLER": False})
        keep_scrapy_at_info()
        from twisted.internet import task

        heartbeat = task.LoopingCall(self.beat)
        heartbeat.start(max(0.5, self.lease_seconds / 3))
        loop = task.LoopingCall(self.tick)
        loop.start(TICK_SECONDS)
        logger.info("worker %s started (sources: %s)", self.id, ", ".join(sorted(self.wanted)) or "all")
        settle_after_start_up(CRAWL_YOUNG_GENERATION)
        try:
            self._process.start(stop_after_crawl=False)
        finally:
            for call in (loop, heartbeat):
                if call.running:
                    call.stop()
            if not self._stopping:
                self.report.reason = "signal"
            with contextlib.suppress(Exception):  # it expires by itself
                self.frontier.forget_worker(self.id)
        return self.report


def _setup_logging(settings: Settings, worker_id: str) -> None:
    """INFO and up into ``<home>/logs/worker-<id>.log``; warnings on stderr."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        folder = settings.home / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / f"worker-{worker_id}.log", encoding="utf-8")
        handler.setFormatter(formatter)
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    except OSError:
        pass
    term = logging.StreamHandler(sys.stderr)
    term.setFormatter(OneLineFormatter("%(levelname)s: %(message)s"))  # tracebacks: the log file
    term.setLevel(logging.WARNING)
    root.addHandler(term)


def run_worker(settings: Settings, sources: Sequence[str] = (), *, idle_timeout: float | None = None) -> WorkerReport:
    """Serve the frontier in this process until it stays empty (once per process: one reactor).

    Raises FrontierUnavailableError when Redis cannot be reached, ArchiveError (one line) when the
    catalog or the store cannot be opened.
    """
    frontier = connect_frontier(settings.worker.redis_url)
    # workers started together on a new catalog must not all migrate it at once
    with frontier.redis.lock(frontier.key("lock", "catalog-init"), timeout=300, blocking_timeout=300):
        archive = settings_archive(settings)
    worker_id = new_worker_id()
    _setup_logging(settings, worker_id)
    worker = Worker(settings, frontier, archive, sources=sources, worker_id=worker_id,
                    idle_timeout=settings.worker.idle_timeout if idle_timeout is None else idle_timeout)
    return worker.run()
