"""Sub-columns: links from a list page to a column below it (an 年度报告 column of a 法治政府 column)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crawler.discovery.urls import looks_like_column

from .base import DiscoveryFamily, ListPage


class SubColumnFamily(DiscoveryFamily):
    def claims(self, page: ListPage) -> bool:
        return bool(page.links)

    def follow(self, page: ListPage) -> Iterator[Any]:
        for link in page.links:
            if (looks_like_column(link.url, self.walk.starts) and link.url not in page.pages
                    and (request := self.walk.list_request(link.url, page.depth + 1))):
                yield request
