"""The portal spider as a worker runs it: requests come from the shared frontier, not from start().

The worker that pops a run's seed becomes that run's lister: it walks the listing exactly as the
single-process spider does (its list pages stay in its own memory) and sends every report page it
finds to the frontier, tagged with the run, where any worker takes it. Should it die, its seed
lease goes back to the queue and another worker lists again; the run's dupefilter keeps the report
pages already queued or done from being fetched twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Self

from redis.exceptions import RedisError
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from crawler.config import crawl_config
from crawler.distributed.leases import LEASE, RUN, lease_book
from crawler.items import DiscoveredReport
from crawler.session import SESSION_ATTR, CrawlSession
from spiders.portal import GovPortalSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

    from archive.recorder import Archive

logger = logging.getLogger(__name__)


class DistributedPortalSpider(GovPortalSpider):
    """One source's crawler inside ``govarchive worker``."""

    name = "portal-worker"
    leading_run: int | None = None  # the run whose listing this crawler is walking

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._worker_session()  # before the pipelines open: they must not start a run of their own
        return spider

    def _worker_session(self) -> CrawlSession:
        """The crawl session without a run of its own: the run comes with each request."""
        session = getattr(self.crawler, SESSION_ATTR, None)
        if session is None:
            from crawler.archive_link import archive_from_config

            archive: Archive = archive_from_config(crawl_config(self.crawler))
            session = CrawlSession(self.source, archive, None, False, None, False)
            setattr(self.crawler, SESSION_ATTR, session)
        return session

    async def start(self) -> AsyncIterator[Any]:
        return
        yield  # an async generator that yields nothing: the frontier feeds this crawler

    # The seed ------------------------------------------------------------------------------
    def parse_seed(self, response: Response) -> Iterator[Any]:
        """This worker lists the run: the same walk as a single-process crawl."""
        run_id = int(response.meta[RUN])
        self._worker_session().run_id = run_id
        self.reset_state()
        self.leading_run = run_id
        logger.info("%s: listing run %s", self.source.name, run_id)
        yield from self.begin_listing()

    def seed_failed(self, failure: Failure) -> None:
        logger.error("%s: the seed request failed: %s", self.source.name, failure.getErrorMessage())
        self._end_listing()

    def _end_listing(self) -> None:
        self.leading_run = None
        lease_book(self.crawler).finish_seed()

    # Requests of a listed run ----------------------------------------------------------------
    def report_request(self, url: str, title: str, *, reason: str) -> Request | DiscoveredReport | None:
        request = super().report_request(url, title, reason=reason)
        if isinstance(request, Request):
            # to the frontier, through the run's dupefilter: a second lister adds nothing twice
            request = request.replace(dont_filter=False)
            request.meta[RUN] = self.leading_run
        return request

    def finish_listing(self) -> Iterator[Any]:
        # requests first: the seed is finished when the Listing item is recorded, by then the
        # report requests must be in the frontier
        items = []
        for obj in super().finish_listing():
            if isinstance(obj, Request):
                yield obj
            else:
                items.append(obj)
        yield from items

    def report_failed(self, failure: Failure) -> None:
        try:
            super().report_failed(failure)
        finally:
            # Scrapy hangs the request on the Failure it hands an errback; Twisted's type has no such field
            lease = failure.request.meta.get(LEASE)  # type: ignore[attr-defined]
            if lease is not None:
                lease_book(self.crawler).answered(lease)

    # Idle ------------------------------------------------------------------------------------
    def on_idle(self, spider: Any) -> None:
        if spider is not self:
            return
        book = lease_book(self.crawler)
        if self.leading_run is not None:
            try:
                if not self.listing_done:
                    super().on_idle(spider)
            finally:
                if self.listing_done:
                    self._end_listing()
        book.finish_idle()
        try:
            active = book.frontier.active_run(self.source.name) is not None
        except RedisError:  # Redis away: stay, and look again at the next idle
            active = True
        if active:
            raise DontCloseSpider  # the run goes on elsewhere: stay to take what comes back
