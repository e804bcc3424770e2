"""Leases a worker's crawler holds, finished only once their work has reached the archive.

scrapy-redis pops requests destructively; here a popped request stays in the frontier as a lease
(see frontier.py) until its response has gone through the callback and every item it produced has
left the item pipelines (``item_scraped`` / ``item_dropped`` / ``item_error``), or its errback ran.
Redirects, retries and browser escalations of a leased request keep its lease in their meta and stay
in this worker. The seed's lease (the source's listing) is finished when the listing's ``Listing``
item has been recorded. Each finish carries the crawler's counters since the last one into the
run's totals, in the same Redis call, so a run whose leases are all finished has all its counts.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from redis.exceptions import RedisError
from scrapy import Request, signals

from crawler.items import Listing

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.distributed.frontier import Frontier

LEASE = "govarchive_lease"
RUN = "govarchive_run"
BOOK_ATTR = "_govarchive_leases"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Ack:
    """A finish Redis did not confirm, kept to be sent again as it was (same token: counted once)."""

    lease_id: str | None
    run_id: int | None
    incr: dict[str, int]
    values: dict[str, int | str]
    listed: bool
    token: str


@dataclass(slots=True)
class _Hold:
    run_id: int | None
    items: int = 0  # items of its response still in the pipelines
    answered: bool = False  # its callback or errback has finished


class LeaseBook:
    """The leases one source crawler holds, and the counters it has not yet reported."""

    def __init__(self, crawler: Crawler, frontier: Frontier, source: str, worker: str) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.source = source
        self.worker = worker
        self.held: dict[str, _Hold] = {}
        self.seed: str | None = None  # the lease of the listing this crawler is doing
        self.run_id: int | None = None
        self.on_finish: Callable[[], None] | None = None  # the scheduler's "take more work"
        self._reported: dict[str, int | str] = {}
        self._unsent: list[_Ack] = []  # finishes to send again once Redis answers

    def working(self) -> int:
        """Leases held for requests (the listing's seed aside)."""
        return len(self.held) - (1 if self.seed in self.held else 0)

    # Taking ----------------------------------------------------------------------------
    def take(self, lease_id: str, run_id: int | None) -> None:
        """A request popped from the frontier; its run becomes this crawler's current run."""
        if run_id is not None and run_id != self.run_id:
            if self.run_id is not None:
                self._report(None)  # what was counted so far belongs to the previous run
            self.run_id = run_id
            session = getattr(self.crawler, "_govarchive_session", None)
            if session is not None:
                session.run_id = run_id
        self.held.setdefault(lease_id, _Hold(run_id))

    # Progress --------------------------------------------------------------------------
    def expect_item(self, lease_id: str) -> None:
        if (hold := self.held.get(lease_id)) is not None:
            hold.items += 1

    def item_done(self, lease_id: str) -> None:
        if (hold := self.held.get(lease_id)) is not None:
            hold.items -= 1
            self._maybe_finish(lease_id, hold)

    def answered(self, lease_id: str) -> None:
        if (hold := self.held.get(lease_id)) is not None:
            hold.answered = True
            self._maybe_finish(lease_id, hold)

    def _maybe_finish(self, lease_id: str, hold: _Hold) -> None:
        if hold.answered and hold.items <= 0 and lease_id != self.seed:
            self.finish(lease_id)

    # Finishing -------------------------------------------------------------------------
    def finish(self, lease_id: str, *, listed: bool = False) -> None:
        """The lease's work is archived: drop the lease, add the counters to its run."""
        self.held.pop(lease_id, None)
        if lease_id == self.seed:
            self.seed = None
        self._report(lease_id, listed=listed)
        if self.on_finish is not None:
            self.on_finish()

    def finish_seed(self) -> None:
        """The listing is done and recorded."""
        if self.seed is not None:
            self.finish(self.seed, listed=True)

    def finish_idle(self) -> None:
        """The crawler is idle, so everything it popped has been processed."""
        for lease_id in [k for k in self.held if k != self.seed]:
            self.finish(lease_id)
        if not self.held:
            self._report(None)

    def release_all(self) -> int:
        """Closing: put back every lease still held (unfinished work goes to other workers)."""
        self._report(None)
        self.resend()
        self.held.clear()
        self.seed = None
        try:
            return self.frontier.recover(self.source, release_worker=self.worker)
        except RedisError as exc:  # Redis gone: the next crawler of this source (or the heartbeat) puts them back
            logger.warning("%s: could not put back unfinished requests: %s", self.source, exc)
            return 0

    def _report(self, lease_id: str | None, *, listed: bool = False) -> None:
        incr, values = self._delta()
        if lease_id is None and not incr and not values and not listed:
            return
        # counted as reported now: sent again only as this same finish, under its token
        for key, number in incr.items():
            self._reported[key] = int(self._reported.get(key, 0)) + number
        for key, value in values.items():
            self._reported[key] = value
        self._unsent.append(_Ack(lease_id, self.run_id, incr, values, listed, uuid.uuid4().hex))
        self.resend()

    def resend(self) -> bool:
        """Send the finishes Redis has not confirmed, in order; True when none is left."""
        while self._unsent:
            ack = self._unsent[0]
            try:
                self.frontier.ack(self.source, ack.run_id, ack.lease_id, self.worker, incr=ack.incr,
                                  values=ack.values, listed=ack.listed, token=ack.token)
            except RedisError as exc:  # Redis away past its retries: the crawl goes on, sent later
                logger.warning("%s: could not finish lease %s yet: %s", self.source, ack.lease_id, exc)
                return False
            self._unsent.pop(0)
        return True

    def reconcile(self) -> int:
        """Put back this worker's leases of the source that this crawler does not know of (their pop's
        reply was lost to a dropped connection); how many."""
        known = set(self.held) | {a.lease_id for a in self._unsent if a.lease_id}
        return self.frontier.recover(self.source, release_worker=self.worker, keep=known)

    def _delta(self) -> tuple[dict[str, int], dict[str, int | str]]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        incr: dict[str, int] = {}
        values: dict[str, int | str] = {}
        for key, value in stats.items():
            if isinstance(value, bool | str):  # flags and first-error lines: the last one reported wins
                value = int(value) if isinstance(value, bool) else value
                if self._reported.get(key) != value:
                    values[key] = value
            elif isinstance(value, int):
                delta = value - int(self._reported.get(key, 0))
                if delta:
                    incr[key] = delta
        return incr, values


def lease_book(crawler: Crawler) -> LeaseBook:
    """The crawler's lease book (created by the frontier scheduler when it opens)."""
    book = getattr(crawler, BOOK_ATTR, None)
    if book is None:
        raise RuntimeError("no lease book: the crawler does not use the frontier scheduler")
    return book


def _lease_of(response: Response | None) -> str | None:
    if response is None:
        return None
    meta = getattr(response, "meta", None) or {}
    if meta.get("govarchive_kind") == "seed":
        return None
    return meta.get(LEASE)


class LeaseMiddleware:
    """Spider middleware: note when a leased response's callback is done and what items it made."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(mw._item_left, signal=signal)
        return mw

    @property
    def book(self) -> LeaseBook | None:
        return getattr(self.crawler, BOOK_ATTR, None)

    def _item_left(self, item: Any, response: Response | None = None, **_: Any) -> None:
        book = self.book
        if book is None:
            return
        if isinstance(item, Listing):
            book.finish_seed()
            return
        if (lease := _lease_of(response)) is not None:
            book.item_done(lease)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        lease, book = _lease_of(response), self.book
        if lease is None or book is None:
            yield from result
            return
        try:
            for obj in result:
                if not isinstance(obj, Request):
                    book.expect_item(lease)
                yield obj
        finally:
            book.answered(lease)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease, book = _lease_of(response), self.book
        if lease is None or book is None:
            async for obj in result:
                yield obj
            return
        try:
            async for obj in result:
                if not isinstance(obj, Request):
                    book.expect_item(lease)
                yield obj
        finally:
            book.answered(lease)

    def process_spider_exception(self, response: Response, exception: BaseException) -> None:
        lease, book = _lease_of(response), self.book
        if lease is not None and book is not None:
            book.answered(lease)
