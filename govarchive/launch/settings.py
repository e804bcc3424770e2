"""govarchive Settings → Scrapy settings: the one place crawl configuration is translated.

The configuration-free part is :func:`crawler.settings.base_settings`.

Our own Scrapy keys are named by ``crawler.config.CrawlConfig`` (``GOVARCHIVE_`` + field name). The store's secret travels inside
``StoreOptions``, whose repr leaves it out, so Scrapy's "Overridden settings" log line never shows it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy.settings import BaseSettings, SettingsAttribute
from scrapy.settings import Settings as ScrapySettings

from crawler.config import CrawlConfig, setting_values
from crawler.settings import CHROMIUM_ARGS, PLAYWRIGHT_HANDLER, base_settings

if TYPE_CHECKING:
    from govarchive.config import Settings
    from spiders.sources import SourceDefinition

def in_flight_requests(per_host: int) -> int:
    """Scrapy's CONCURRENT_REQUESTS for one source's crawler: twice its per-host share, at least 4.

    The engine hands the downloader requests until this many are in flight, and the downloader
    queues them per host first come, first served — past the scheduler's priorities. A small
    margin keeps the host busy while priorities (report pages before further list pages) still
    decide what goes next."""
    return max(4, 2 * per_host)


def scrapy_settings(
    settings: Settings, *, run_id: int | None = None, trigger: str = "scrapy", check_only: bool = False
) -> dict[str, Any]:
    """Scrapy settings for crawls configured by ``settings`` (any source)."""
    crawl = settings.crawl
    delay = crawl.download_delay
    out = base_settings()
    out.update(
        {
            "USER_AGENT": crawl.resolved_user_agent(),
            "ROBOTSTXT_OBEY": crawl.obey_robots,
            "CONCURRENT_REQUESTS": in_flight_requests(crawl.concurrent_per_domain),
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
            "DOWNLOAD_DELAY": delay,
            "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
            "AUTOTHROTTLE_START_DELAY": max(delay, 1.0) if delay > 0 else 0.0,
            "AUTOTHROTTLE_MAX_DELAY": max(30.0, delay * 4),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_domain),
            "DOWNLOAD_TIMEOUT": crawl.timeout,
            "RETRY_TIMES": crawl.retry_times,
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "DOWNLOAD_WARNSIZE": min(crawl.max_page_bytes, 8 * 1024 * 1024),
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": crawl.chromium_path,
                "headless": True,
                "args": CHROMIUM_ARGS,
                "timeout": crawl.browser_timeout * 1000,
            },
            "PLAYWRIGHT_MAX_CONTEXTS": crawl.max_browser_contexts,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": crawl.browser_timeout * 1000,
            "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": "crawler.middlewares.render.browser_headers",
            "PLAYWRIGHT_ABORT_REQUEST": "crawler.middlewares.render.abort_heavy_request",
        }
    )
    out.update(crawl_config(settings, run_id=run_id, trigger=trigger, check_only=check_only).to_settings())
    return out


def crawl_config(settings: Settings, **run: Any) -> CrawlConfig:
    """The crawler's own values (``crawler.config``) from ``settings``; ``run`` adds per-run fields."""
    crawl = settings.crawl
    return CrawlConfig(
        home=str(settings.home),
        catalog_url=settings.catalog_url,
        store=settings.store_options(),
        sources_dirs=tuple(str(p) for p in (settings.sources_dir, *settings.sources_dirs)),
        jobs_dir=str(settings.jobs_dir),
        columns_dir=str(settings.home / "state" / "columns"),
        resumable=crawl.resumable,
        removal_checks=crawl.removal_checks,
        recheck_hours=crawl.recheck_hours,
        max_list_pages=crawl.max_list_pages,
        depth_limit=crawl.depth_limit,
        seek_depth=crawl.seek_depth,
        max_seek_pages=crawl.max_seek_pages,
        max_attachment_bytes=crawl.max_attachment_bytes,
        document_limits=dataclasses.asdict(settings.documents.limits()),
        ocr_images=settings.documents.ocr_images,
        retry_backoff=crawl.retry_backoff,
        retry_max_delay=crawl.retry_max_delay,
        page_workers=crawl.page_workers,
        writer_batch=crawl.writer_batch,
        writer_wait=crawl.writer_wait,
        writer_queue=crawl.writer_queue,
        shared_concurrency=crawl.concurrent_per_domain,
        shared_delay=crawl.download_delay,
        **run,
    )


def source_settings(source: SourceDefinition) -> dict[str, Any]:
    """Per-source overrides: its politeness, and the browser only where it may render."""
    out: dict[str, Any] = setting_values(source=source.name)
    if source.politeness is not None:
        if source.politeness.concurrency is not None:
            out["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.politeness.concurrency
            out["CONCURRENT_REQUESTS"] = in_flight_requests(source.politeness.concurrency)
            out["AUTOTHROTTLE_TARGET_CONCURRENCY"] = float(source.politeness.concurrency)
        if source.politeness.delay is not None:
            out["DOWNLOAD_DELAY"] = source.politeness.delay
            out["AUTOTHROTTLE_START_DELAY"] = source.politeness.delay
    if source.render != "never":
        out["DOWNLOAD_HANDLERS"] = {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
    return out


class RunSettings(ScrapySettings):
    """Scrapy settings that copy cheaply: a run makes one crawler per source, and each copies them.

    ``BaseSettings.copy`` deep-copies every value (~2 ms for Scrapy's ~300 settings, half the cost
    of making a crawler). The values here are plain data (str, numbers, tuples, classes, SecretStr),
    so copying the containers (nested settings, dicts, lists) keeps copies as independent.
    """

    def copy(self) -> Self:
        return _copy_settings(self)

    def for_source(self, source: SourceDefinition) -> RunSettings:
        """These settings with ``source``'s overrides (``source_settings``) on top."""
        out = self.copy()
        out.setdict(source_settings(source), priority="cmdline")
        return out


_S = TypeVar("_S", bound=BaseSettings)


def _copy_settings(settings: _S) -> _S:
    clone = object.__new__(type(settings))
    clone.__dict__.update(settings.__dict__)
    clone.attributes = {name: _copy_attribute(attribute) for name, attribute in settings.attributes.items()}
    return clone


def _copy_attribute(attribute: SettingsAttribute) -> SettingsAttribute:
    clone = object.__new__(SettingsAttribute)
    clone.__dict__.update(attribute.__dict__)
    clone.value = _copy_value(attribute.value)
    return clone


def _copy_value(value: Any) -> Any:
    if isinstance(value, BaseSettings):
        return _copy_settings(value)
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    if isinstance(value, set):
        return set(value)
    return value
