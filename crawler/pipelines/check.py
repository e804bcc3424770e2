"""``sources check``: collect what discovery found, store nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from crawler.config import crawl_config
from crawler.items import DiscoveredReport
from crawler.session import crawl_session

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CheckOnlyPipeline:
    """In check mode, keep discovered report links on the session and drop everything."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawl_config(crawler).check_only:
            raise NotConfigured
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DiscoveredReport):
            crawl_session(self.crawler).discovered.append(item)
        raise DropItem("check only: nothing is fetched or stored")
