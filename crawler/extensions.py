"""Crawl summary: the per-source counts of the CLI contract, from a crawler's stats."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _n(stats: Mapping[str, Any], *keys: str) -> int:
    return sum(int(stats.get(k) or 0) for k in keys)


def source_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """``{"discovered", "fetched", "new", "changed", "unchanged", "not_checked", "resumed", "removed", …}``."""
    errors = sum(int(v or 0) for k, v in stats.items() if k in ("errors/listing", "errors/report", "errors/archive",
                                                              "errors/extraction"))
    return {
        "discovered": _n(stats, "discovery/reports"),
        "fetched": _n(stats, "report/fetched"),
        "new": _n(stats, "archive/new"),
        "changed": _n(stats, "archive/changed"),
        # re-checked this run and found the same; known pages the cadence skipped are not_checked
        "unchanged": _n(stats, "archive/unchanged", "archive/not_modified", "archive/moved"),
        "not_checked": _n(stats, "discovery/known_skipped"),
        "resumed": _n(stats, "resume/skipped"),  # recorded by the interrupted run this one resumes
        "removed": _n(stats, "archive/removed"),
        "restored": _n(stats, "archive/restored"),
        "missing": _n(stats, "archive/missing"),
        "blocked": _n(stats, "archive/blocked", "discovery/blocked"),
        "errors": errors,
        "requests": _n(stats, "downloader/request_count"),
        "listing_complete": bool(stats.get("discovery/listing_complete")),
    }


class CrawlReportExtension:
    """Log one summary line per source when its crawl ends."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        counts = source_counts(stats)
        logger.info(
            "%s: %s discovered, %s fetched, %s new, %s changed, %s unchanged, %s removed, %s errors (%s)",
            getattr(spider, "source_name", spider.name), counts["discovered"], counts["fetched"], counts["new"],
            counts["changed"], counts["unchanged"], counts["removed"], counts["errors"], reason,
            extra={"spider": spider},
        )


def _describe(item: Any) -> str:
    page = getattr(item, "page", None)
    url = getattr(page, "url", None) or getattr(item, "url", None)
    if url:
        return f"{type(item).__name__} {url}"
    return type(item).__name__


class QuietLogFormatter(LogFormatter):
    """Items carry whole page bodies: log what they are, never their contents; drops are normal."""

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Scraped %(item)s", "args": {"item": _describe(item)}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        return {"level": logging.INFO, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        return {"level": logging.ERROR, "msg": "Error processing %(item)s", "args": {"item": _describe(item)}}
