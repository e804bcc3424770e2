"""Scrapy settings of the crawl machinery that do not depend on configuration.

The application (:mod:`govarchive.launch.settings`) adds the configured values on top; ``scrapy.cfg``
names :mod:`govarchive.launch.project`, which does that for ``scrapy crawl portal -a source=NAME``.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE as SCRAPY_EXTENSIONS

# Launch flags for Debian's Chromium (see docs/crawling.md).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
PLAYWRIGHT_HANDLER = "crawler.handlers.LazyPlaywrightDownloadHandler"
# Scrapy imports every extension it lists (and every key of EXTENSIONS, even one set to None)
# before asking whether it is enabled: these two pull in aiohttp and twisted.conch, about a fifth
# of a second of each crawl's start-up, for extensions a crawl never turns on.
UNUSED_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")


def base_settings() -> dict[str, Any]:
    """Scrapy settings that do not depend on configuration."""
    return {
        "BOT_NAME": "govarchive",
        "SPIDER_MODULES": ["spiders"],
        "NEWSPIDER_MODULE": "spiders",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": True,
        "RETRY_ENABLED": True,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        # One item per report response: Scrapy's default of 100 starts a hundred tasks per response
        # for nothing (half the spider's CPU on a fast portal).
        "CONCURRENT_ITEMS": 4,
        "DEPTH_LIMIT": 0,  # enforced by the spider, which must see every list request finish
        "REFERER_ENABLED": True,
        "FEED_EXPORT_ENCODING": "utf-8",
        "LOG_LEVEL": "INFO",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
            "crawler.middlewares.render.ChallengeCookiesMiddleware": 690,
            "crawler.middlewares.render.RenderMiddleware": 950,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.middlewares.metarefresh.QuickMetaRefreshMiddleware": 580,  # Scrapy's place for it
        },
        "ITEM_PIPELINES": {
            "crawler.pipelines.check.CheckOnlyPipeline": 100,
            "crawler.pipelines.extraction.ExtractionPipeline": 300,
            "crawler.pipelines.extraction.ReportFilterPipeline": 400,
            "crawler.pipelines.archive.ArchivePipeline": 500,
            "crawler.pipelines.columns.ColumnMemoryPipeline": 600,
        },
        "EXTENSIONS_BASE": {k: v for k, v in SCRAPY_EXTENSIONS.items() if k not in UNUSED_EXTENSIONS},
        "EXTENSIONS": {"crawler.extensions.CrawlReportExtension": 500},
        "LOG_FORMATTER": "crawler.extensions.QuietLogFormatter",
    }
