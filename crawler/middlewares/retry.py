"""Retries with exponential back-off that honour ``Retry-After`` for the whole host."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import task

from crawler.config import crawl_config

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
NOT_BEFORE = "govarchive_not_before"
# Failures that a quick retry does not change, unlike a timeout or a dropped connection.
NOT_RETRIED = frozenset({"DownloadConnectionRefusedError", "ConnectionRefusedError", "CannotResolveHostError",
                         "DNSLookupError"})


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules, but each retry waits ``backoff * 2**n`` seconds, or ``Retry-After``.

    A ``Retry-After`` answer pauses every request to that host, since the server asked for it.
    A wait longer than ``CrawlConfig.retry_max_delay`` is not waited for: the request gives up.
    """

    def __init__(self, settings: BaseSettings, backoff: float, max_delay: float) -> None:
        super().__init__(settings)
        self.backoff = backoff
        self.max_delay = max_delay
        self.host_not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_config(crawler)
        mw = cls(crawler.settings, config.retry_backoff, config.retry_max_delay)
        mw.crawler = crawler
        return mw

    def _delay_for(self, request: Request, retry_after: float | None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = self.backoff * (2**attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _retry_later(self, request: Request, reason: str | Exception | type[Exception],
                     retry_after: float | None) -> Request | None:
        delay = self._delay_for(request, retry_after)
        stats = self.crawler.stats
        if delay > self.max_delay:
            if stats:
                stats.inc_value("retry/too_long_wait")
            logger.warning("not retrying %s: server asks to wait %.0fs (more than %.0fs)",
                           request.url, delay, self.max_delay)
            return None
        retry = self._retry(request, reason)
        if retry is None:
            return None
        not_before = time.time() + delay
        retry.meta[NOT_BEFORE] = not_before
        if retry_after is not None:
            host = urlsplit(request.url).netloc
            self.host_not_before[host] = max(self.host_not_before.get(host, 0.0), not_before)
            if stats:
                stats.inc_value("retry/retry_after")
        return retry

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        wait = max(request.meta.get(NOT_BEFORE, 0.0), self.host_not_before.get(host, 0.0)) - time.time()
        if wait > 0:
            from twisted.internet import reactor  # the installed one, never a default

            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))

    # Scrapy's base still takes a deprecated `spider` argument it warns about; the engine passes none
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = retry_after_seconds((response.headers.get("Retry-After") or b"").decode("latin-1"))
        reason = response_status_message(response.status)
        return self._retry_later(request, reason, retry_after) or response

    # (as in process_response: no deprecated `spider` argument)
    def process_exception(self, request: Request, exception: Exception) -> Request | None:  # type: ignore[override]
        if type(exception).__name__ in NOT_RETRIED:
            # nobody listens there (or the name does not resolve): asking again soon answers the same
            if self.crawler.stats:
                self.crawler.stats.inc_value(f"retry/not_retried/{type(exception).__name__}")
            return None
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry", False):
            return self._retry_later(request, exception, None)
        return None
