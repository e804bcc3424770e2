"""The generic portal spider: one source, any CMS family, no per-site code.

It walks the source's listing over the discovery families (list pages, pagination, sub-columns,
Hanweb jpage POSTs, JSON lists read by scripts, the home page's columns, the site search, a
sitemap: ``crawler.discovery.families``; the state machine is :mod:`spiders.listing`), keeps links
whose title matches the source's report pattern, and fetches those report pages
(:mod:`spiders.reports`) — new ones plainly, known ones conditionally and only on their own
cadence or when the listing no longer shows them. It yields items; pipelines extract and archive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy import signals
from scrapy.http import Request

from crawler.columns import ColumnMemory
from crawler.config import crawl_config
from crawler.discovery import canonical_url
from crawler.discovery.columns import is_home_page
from crawler.middlewares.render import browser_request, render_meta
from crawler.session import CrawlSession, crawl_session
from spiders.listing import REPORT_STATUSES, ListingMachine
from spiders.reports import ReportFetching
from spiders.sources import SourceDefinition, SourceError, get_source

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["REPORT_STATUSES", "GovPortalSpider"]


class GovPortalSpider(ListingMachine, ReportFetching, scrapy.Spider):
    """``scrapy crawl portal -a source=NAME``: discover and fetch one source's reports."""

    name = "portal"

    def __init__(self, source: str | None = None, definition: SourceDefinition | str | None = None,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source_name = source
        self._definition = definition

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        return spider

    # Set-up ----------------------------------------------------------------------------
    def _configure(self, crawler: Crawler) -> None:
        config = crawl_config(crawler)
        if isinstance(self._definition, SourceDefinition):
            self.source = self._definition
        elif isinstance(self._definition, str):
            self.source = SourceDefinition.model_validate_json(self._definition)
        elif self.source_name:
            dirs = [Path(d) for d in config.sources_dirs]
            try:
                self.source = get_source(self.source_name, dirs)
            except SourceError as exc:
                raise ValueError(str(exc)) from None
        else:
            raise ValueError("no source given: scrapy crawl portal -a source=NAME")
        self.source_name = self.source.name
        self.allowed_domains = list(self.source.allowed_domains)
        self.max_list_pages = config.max_list_pages
        self.depth_limit = config.depth_limit
        self.recheck_hours = config.recheck_hours
        self.max_attachment_bytes = config.max_attachment_bytes
        starts = [canonical_url(u) for u in self.source.start_urls]
        # a portal's home page: the report column is sought from it (crawler.discovery.families.home)
        self.home_urls = [u for u in starts if is_home_page(u)]
        self.base_starts = [u for u in starts if not is_home_page(u)]
        self.max_seek_pages = config.max_seek_pages
        self.seek_depth = config.seek_depth
        folder = config.columns_dir
        self.memory = ColumnMemory(Path(folder)) if folder else None
        self.reset_state()
        crawler.signals.connect(self.on_idle, signal=signals.spider_idle)

    @property
    def session(self) -> CrawlSession:
        return crawl_session(self.crawler)

    @property
    def check_only(self) -> bool:
        return self.session.check_only

    # Stats -----------------------------------------------------------------------------
    def inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def set_stat(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)

    def get_stat(self, key: str) -> Any:
        return self.crawler.stats.get_value(key) if self.crawler.stats is not None else None

    # The browser -----------------------------------------------------------------------
    @property
    def _browser_timeout(self) -> float:
        return self.crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30000) / 1000

    def render_meta(self) -> dict[str, Any]:
        """The meta that sends a page through the browser when the source says ``render = "always"``."""
        if self.source.render != "always":
            return {}
        return render_meta(self._browser_timeout, self.crawler.settings.get("USER_AGENT"))

    def to_browser(self, request: Request) -> Request:
        return browser_request(request, self._browser_timeout, self.crawler.settings.get("USER_AGENT"))

    # Start -----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for obj in self.begin_listing():
            yield obj
