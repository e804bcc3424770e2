"""scrapy-redis' Scheduler and RFPDupeFilter, extended for leases, runs and a local listing queue.

Where a request goes:

- report requests (and anything else new) → the source's Redis queue, through the run's
  dupefilter (``govarchive:S:run:R:seen``; marked and queued in one step), for any worker;
- listing requests (list, pagination, JSON, sitemap, search pages) → this worker's memory: the
  listing is the one stateful walk of a crawl and stays with the worker that took the seed;
- requests that already hold a lease (redirects, retries, browser escalations of a popped request)
  → this worker's memory too, under the same lease, never filtered again.

Popping takes the first request of the Redis queue as a lease (frontier.pop). An idle engine only
looks at its scheduler every few seconds, so a small loop wakes it when the queue has work.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Self

from redis.exceptions import RedisError
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.config import crawl_config, setting_key
from crawler.discovery.families import listing_kinds
from crawler.distributed.frontier import Frontier, decode_request, encode_request
from crawler.distributed.leases import BOOK_ATTR, LEASE, RUN, LeaseBook

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
RECONCILE_SECONDS = 5.0  # how often a crawler looks for leases of its worker that it does not know of


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis' fingerprints, kept per source and per run (a new run fetches again)."""

    def __init__(self, server: Any, key: str, debug: bool = False, frontier: Frontier | None = None,
                 source: str = "") -> None:
        super().__init__(server, key, debug)
        self.frontier = frontier
        self.source = source

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        settings = spider.settings
        config = crawl_config(spider.crawler)
        frontier = Frontier(_server(settings), config.frontier_prefix)
        source = config.source or spider.name
        return cls(frontier.redis, frontier.key(source, "run", "seen"), settings.getbool("DUPEFILTER_DEBUG"),
                   frontier, source)

    def run_key(self, run_id: int) -> str:
        assert self.frontier is not None
        return self.frontier.seen_key(self.source, run_id)

    def request_seen(self, request: Request) -> bool:
        """Seen in this request's run (marks it seen); use ``push_unseen`` to queue at once."""
        run_id = request.meta.get(RUN)
        key = self.run_key(int(run_id)) if run_id is not None else self.key
        return self.server.sadd(key, self.request_fingerprint(request)) == 0

    def clear(self) -> None:
        """Fingerprints of a run expire with it; closing a worker must not forget them."""


def _server(settings: BaseSettings) -> Any:
    from scrapy_redis import connection

    return connection.from_settings(settings)


class FrontierScheduler(Scheduler):
    """A scrapy-redis Scheduler over the govarchive frontier (see the module docstring)."""

    df: Any  # the dupefilter: scrapy-redis sets it (None until open() builds one)

    def __init__(self, server: Any, *, crawler: Crawler, frontier: Frontier, source: str, worker: str,
                 **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.crawler = crawler
        self.frontier = frontier
        self.source = source
        self.worker = worker
        self.book = LeaseBook(crawler, frontier, source, worker)
        setattr(crawler, BOOK_ATTR, self.book)
        self._local: list[tuple[int, int, Request]] = []
        # the listing (every discovery family's requests) and attachments stay with this worker
        self._local_kinds = listing_kinds() | {"attachment"}
        self._order = itertools.count()
        self._poll: Any = None
        self._reconciled = time.monotonic()
        settings = crawler.settings
        # never hoard: popped requests beyond what this worker can soon start would idle here
        # while other workers have nothing to do
        self.max_leases = crawl_config(crawler).max_leases or 2 * max(1, min(
            settings.getint("CONCURRENT_REQUESTS"), settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")))
        self.book.on_finish = self._wake_soon

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        server = _server(settings)
        server.ping()
        config = crawl_config(crawler)
        frontier = Frontier(server, config.frontier_prefix)
        source = config.source
        if not source:
            raise ValueError(f"the frontier scheduler needs {setting_key('source')}")
        worker = config.worker_id or f"{os.uname().nodename}-{os.getpid()}"
        scheduler = cls(server, crawler=crawler, frontier=frontier, source=source, worker=worker,
                        persist=True, queue_key=frontier.queue_key(source),
                        dupefilter_cls="crawler.distributed.scheduler.RunDupeFilter")
        scheduler.stats = crawler.stats
        return scheduler

    # Life ------------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        # scrapy-redis' own open() only adds a deprecated Spider.log() call to this
        self.spider = spider
        self.queue = PriorityQueue(server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer)
        if not self.df:
            self.df = RunDupeFilter.from_spider(spider)
        from twisted.internet import task

        self._poll = task.LoopingCall(self._wake)
        self._poll.start(POLL_SECONDS, now=False)

    def close(self, reason: str) -> None:
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        put_back = self.book.release_all()
        if put_back:
            logger.info("%s: put %d unfinished request(s) back into the frontier", self.source, put_back)

    def _wake(self) -> None:
        """If the engine has nothing local to do, take one request so that it looks again."""
        self._mend()
        engine = self.crawler.engine
        if self._local or engine is None or getattr(engine, "spider", None) is None:
            return
        try:
            request = self._pop()
        except RedisError:  # away for a moment: try again at the next tick
            logger.warning("%s: frontier unreachable", self.source)
            return
        if request is not None:
            engine.crawl(request)

    def _mend(self) -> None:
        """After Redis was away: send the lease finishes it missed, put back leases whose pop reply was lost."""
        if not self.book.resend() or time.monotonic() - self._reconciled < RECONCILE_SECONDS:
            return
        self._reconciled = time.monotonic()
        try:
            if put_back := self.book.reconcile():
                logger.warning("%s: put back %d request(s) whose lease reply was lost", self.source, put_back)
        except RedisError:
            logger.warning("%s: frontier unreachable", self.source)

    # Queueing --------------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        meta = request.meta
        run_id = meta.get(RUN)
        if LEASE in meta or meta.get("govarchive_kind") in self._local_kinds or run_id is None:
            heapq.heappush(self._local, (-request.priority, next(self._order), request))
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/local")
            return True
        data = encode_request(request.to_dict(spider=self.spider))
        try:
            if request.dont_filter:
                self.frontier.push(self.source, data, request.priority)
            elif not self.frontier.push_unseen(self.source, int(run_id), self.df.request_fingerprint(request),
                                               data, request.priority):
                self.df.log(request, self.spider)
                return False
        except RedisError:
            # Redis away: this worker fetches it itself (should it die too, the seed's lease brings
            # the listing, and with it this request, back)
            logger.warning("%s: frontier unreachable, keeping %s here", self.source, request.url)
            heapq.heappush(self._local, (-request.priority, next(self._order), request))
            return True
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._local:
            return heapq.heappop(self._local)[2]
        try:
            request = self._pop()
        except RedisError:
            logger.warning("%s: frontier unreachable", self.source)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _wake_soon(self) -> None:
        from twisted.internet import reactor

        reactor.callLater(0, self._wake)

    def _pop(self) -> Request | None:
        if self.book.working() >= self.max_leases:
            return None
        lease = self.frontier.pop(self.source, self.worker)
        if lease is None:
            return None
        try:
            request = request_from_dict(decode_request(lease.data), spider=self.spider)
        except Exception:  # noqa: BLE001 — an unreadable entry is dropped, not retried forever
            logger.exception("%s: dropping an unreadable frontier entry", self.source)
            self.frontier.ack(self.source, None, lease.id, self.worker)
            return None
        request.meta[LEASE] = lease.id
        self.book.take(lease.id, request.meta.get(RUN))
        if request.meta.get("govarchive_kind") == "seed":
            self.book.seed = lease.id
        return request

    def has_pending_requests(self) -> bool:
        if self._local:
            return True
        try:
            return self.frontier.queued(self.source) > 0
        except RedisError:
            return False

    def __len__(self) -> int:
        return len(self._local) + self.frontier.queued(self.source)
