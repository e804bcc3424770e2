"""The portal's own site search, asked once for 法治政府建设 when the listing found no report
(``search = "auto"``) or always (``search = "always"``); its result pages are read like a list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.discovery.sitemap import search_form
from crawler.discovery.urls import canonical_url

from .base import DiscoveryFamily, ListingWalk, ListPage

SEARCH_KEYWORD = "法治政府建设"


def note_search_form(walk: ListingWalk, text: str, url: str) -> None:
    """Remember the search form of a page (a list page or a home page), if it has one."""
    if (form := search_form(text, url)) is not None:
        walk.search_forms.append(form.url(SEARCH_KEYWORD))


class SearchFamily(DiscoveryFamily):
    kind = "search"
    browser = True

    def claims(self, page: ListPage) -> bool:
        return page.kind != "search"

    def follow(self, page: ListPage) -> Iterator[Any]:
        note_search_form(self.walk, page.text, page.url)
        return iter(())

    def extend(self) -> list[Any]:
        walk = self.walk
        wanted = walk.source.search == "always" or (walk.source.search == "auto" and not walk.listed)
        if not (wanted and walk.search_forms and walk.listing_ok):
            return []
        url = walk.search_forms[0]
        walk.search_forms = []  # asked once
        request = walk.listing_request(url, kind="search", depth=1)
        if request is None:
            return []
        if walk.home_urls:  # remembered like a column when it lists reports
            walk.search_url = canonical_url(url)
            walk.columns.setdefault(walk.search_url, 0)
        return [request]

    def parse(self, response: Response) -> Iterator[Any]:
        text = self.walk.listing_answer(response)
        if text is not None:
            yield from self.walk.read_list(response, text)
