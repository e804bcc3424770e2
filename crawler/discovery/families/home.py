"""Home-page sources: the report column is sought from the portal's home page, remembered in the
home (``crawler.columns``), listed straight away next time, and sought again when it is gone.

Seeking follows navigation links (信息公开, 专题专栏 …) up to ``CrawlConfig.seek_depth`` clicks and
``CrawlConfig.max_seek_pages`` pages; a link named like the report column is walked as a list page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.discovery.columns import link_role
from crawler.discovery.links import extract_links
from crawler.discovery.urls import host_allowed, is_page_url
from crawler.items import ReportColumns

from .base import DiscoveryFamily, ListingWalk, ListPage
from .search import note_search_form

logger = logging.getLogger(__name__)
REMEMBERED = "govarchive_remembered"  # request meta: a remembered column (gone is no listing failure)


class HomePageFamily(DiscoveryFamily):
    kind = "seek"

    def __init__(self, walk: ListingWalk) -> None:
        super().__init__(walk)
        self.sought = False
        self.seek_count = 0

    def start(self) -> Iterator[Any]:
        """The remembered report columns, else the search for them from the home page."""
        walk = self.walk
        if not walk.home_urls:
            return
        if walk.memory is not None:
            walk.remembered = walk.memory.read(walk.source.name)
        if not walk.remembered.columns:
            yield from self._seek()
            return
        walk.inc("discovery/columns_remembered", len(walk.remembered.columns))
        for url in walk.remembered.columns:
            if request := walk.column_request(url):
                request.meta[REMEMBERED] = True
                yield request

    def _seek(self) -> Iterator[Request]:
        self.sought = True
        for url in self.walk.home_urls:
            if request := self._seek_request(url, 0):
                yield request

    def _seek_request(self, url: str, depth: int) -> Request | None:
        walk = self.walk
        if depth > walk.seek_depth or self.seek_count >= walk.max_seek_pages:
            walk.inc("discovery/seek_capped")
            return None
        request = walk.listing_request(url, kind="seek", depth=depth)
        if request is not None:
            self.seek_count += 1
        return request

    def parse(self, response: Response) -> Iterator[Any]:
        """A home or navigation page: follow navigation, list the report columns it names."""
        walk = self.walk
        text = walk.listing_answer(response)
        if text is None:
            return
        depth = response.meta.get("govarchive_depth", 0)
        links = extract_links(text, response.url)
        walk.note_links(links)
        yield from walk.report_links(links)[1]  # a report linked straight from these pages
        for link in links:
            if not host_allowed(link.url, walk.allowed_domains) or not is_page_url(link.url):
                continue
            role = link_role(link)
            if role == "column":
                walk.inc("discovery/columns_found")
                if request := walk.column_request(link.url):
                    yield request
            elif role == "nav" and (request := self._seek_request(link.url, depth + 1)):
                yield request
        note_search_form(walk, text, response.url)

    def claims(self, page: ListPage) -> bool:
        return page.url in self.walk.columns

    def follow(self, page: ListPage) -> Iterator[Any]:
        self.walk.columns[page.url] += page.matched  # how many reports a found column lists
        return iter(())

    def extend(self) -> list[Any]:
        walk = self.walk
        if walk.home_urls and not self.sought and not walk.listed and walk.listing_ok:
            # the remembered columns are gone (404, soft 404, no report any more): seek them again
            walk.inc("discovery/columns_reseek")
            return list(self._seek())
        return []

    def close(self) -> Iterator[Any]:
        """A home-page source's status when no column was found; what to remember."""
        walk = self.walk
        if not walk.home_urls:
            return
        found = tuple(url for url, count in walk.columns.items() if count > 0)
        if not walk.listed and walk.listing_ok:
            if not set(walk.columns) - {walk.search_url}:
                walk.set_stat("govarchive/source_status", "no_report_column")
                walk.set_stat("govarchive/source_error",
                              f"no report column found from the home page {walk.home_urls[0]} "
                              f"({self.seek_count} page(s) looked at, site search included)")
            else:
                logger.warning("%s: report column(s) %s list no report", walk.source.name, ", ".join(walk.columns))
                walk.inc("discovery/empty_columns")
        if walk.check_only or not walk.listing_ok:
            return
        if found != walk.remembered.columns or (found and walk.sitemap_seen != walk.remembered.sitemap):
            yield ReportColumns(walk.source.name, found, walk.sitemap_seen)
