"""List pages: the source's start pages and the report columns, read for report links.

Reading a list page (:meth:`ListingWalk.read_list`) yields its report links, then offers the page
to every family that ``claims`` it: pagination, sub-columns, Hanweb, search forms, script lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from .base import DiscoveryFamily


class ListPageFamily(DiscoveryFamily):
    kind = "list"
    counts_as_list_page = True
    depth_limited = True
    browser = True

    def start(self) -> Iterator[Any]:
        for url in self.walk.starts:
            if request := self.walk.list_request(url, depth=0):
                yield request

    def parse(self, response: Response) -> Iterator[Any]:
        text = self.walk.listing_answer(response)
        if text is not None:
            yield from self.walk.read_list(response, text)
