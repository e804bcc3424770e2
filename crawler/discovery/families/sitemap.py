"""Sitemaps: ``/sitemap.xml`` of each start host (and the sitemaps it nests) names pages under the
source's columns; those the listing did not show are fetched at its end, when their title (if the
listing showed one) is a report's. Most portals have none: a failure is no listing failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.discovery.sitemap import sitemap_urls
from crawler.discovery.urls import column_prefix, host_allowed

from .base import DiscoveryFamily, ListingWalk

MAX_NESTED = 20


class SitemapFamily(DiscoveryFamily):
    kind = "sitemap"
    retry = False
    html = False

    def __init__(self, walk: ListingWalk) -> None:
        super().__init__(walk)
        self.candidates: set[str] = set()

    def _locations(self) -> list[str]:
        walk = self.walk
        if walk.home_urls and walk.remembered.columns and not walk.remembered.sitemap:
            return []  # the portal had no sitemap when its columns were found
        hosts = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in walk.base_starts + walk.home_urls}
        return [f"{h}/sitemap.xml" for h in sorted(hosts)]

    def start(self) -> Iterator[Any]:
        for url in self._locations():
            if request := self.walk.listing_request(url, kind="sitemap", depth=0):
                yield request

    def parse(self, response: Response) -> Iterator[Any]:
        walk = self.walk
        walk.list_pending -= 1
        walk.inc("discovery/sitemap_pages")
        if response.status != 200:
            return
        pages, nested = sitemap_urls(response.body)
        walk.sitemap_seen = walk.sitemap_seen or bool(pages or nested)
        prefixes = [column_prefix(u) for u in walk.starts]
        for url in pages:
            if any(url.startswith(p) for p in prefixes) and host_allowed(url, walk.allowed_domains):
                self.candidates.add(url)
        for url in nested[:MAX_NESTED]:
            if request := walk.listing_request(url, kind="sitemap", depth=1):
                yield request

    def failed(self, request: Request, failure: Failure) -> Iterator[Any]:
        return iter(())  # most portals have none

    def close(self) -> Iterator[Any]:
        """The pages the sitemap names and the listing did not show."""
        walk = self.walk
        list_pages = {key.split("#", 1)[0] for key in walk.list_seen} | set(walk.starts)
        for url in sorted(self.candidates - set(walk.listed) - list_pages):
            title = walk.link_titles.get(url)
            if title is not None and not walk.source.title_matches(title):
                continue  # the listing showed it under a title that is not a report's
            if title is None and walk.check_only:
                walk.inc("discovery/sitemap_unconfirmed")
                continue  # only a fetch would tell; a check fetches nothing
            if request := walk.report_request(url, title or "", reason="sitemap"):
                yield request
