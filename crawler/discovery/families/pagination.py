"""Pagination: a list page's numbered, next, TRS script and query pages, walked as list pages.

A page's further pages are followed only while pages bring new links (a calendar or a
mis-numbered pager would go on for ever); they are siblings, at the same depth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import DiscoveryFamily, ListPage


class PaginationFamily(DiscoveryFamily):
    def claims(self, page: ListPage) -> bool:
        return bool(page.new_links) or page.depth == 0

    def follow(self, page: ListPage) -> Iterator[Any]:
        for url in page.pages:  # the depth counts columns, not pages
            if request := self.walk.list_request(url, page.depth):
                yield request
