"""Remember the report columns a home-page source was found to have (see ``crawler.columns``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured

from crawler.columns import ColumnMemory, RememberedColumns
from crawler.config import crawl_config
from crawler.items import ReportColumns

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ColumnMemoryPipeline:
    """Write ``ReportColumns`` items to the home's column memory; other items pass through."""

    def __init__(self, memory: ColumnMemory) -> None:
        self.memory = memory

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_config(crawler)
        folder = config.columns_dir
        if not folder or config.check_only:
            raise NotConfigured  # no message: a check run stores nothing, which is no news
        return cls(ColumnMemory(Path(folder)))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportColumns):
            try:
                if item.columns:
                    self.memory.write(item.source, RememberedColumns(item.columns, item.sitemap))
                else:
                    self.memory.forget(item.source)
            except OSError as exc:  # only costs the next run a new search
                logger.warning("%s: cannot remember its report columns: %s", item.source, exc)
        return item
