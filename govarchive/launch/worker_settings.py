"""Scrapy settings of a worker: the single-process ones (govarchive.launch.settings) with the shared parts swapped in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.config import setting_key, setting_values
from crawler.distributed.frontier import redis_retry_options
from crawler.distributed.pipeline import DistributedArchivePipeline
from crawler.pipelines.archive import ArchivePipeline
from govarchive.launch.settings import scrapy_settings, source_settings

if TYPE_CHECKING:
    from govarchive.config import Settings
    from spiders.sources import SourceDefinition

SHARED_CONCURRENCY, SHARED_DELAY = setting_key("shared_concurrency"), setting_key("shared_delay")
POLITENESS_MIDDLEWARE = "crawler.distributed.politeness.SharedPolitenessMiddleware"


def worker_settings(settings: Settings, worker_id: str) -> dict[str, Any]:
    """Settings shared by every source crawler of one worker process."""
    out = scrapy_settings(settings, run_id=None, trigger="worker")
    crawl, worker = settings.crawl, settings.worker
    out.update({
        "SCHEDULER": "crawler.distributed.scheduler.FrontierScheduler",
        "DUPEFILTER_CLASS": "crawler.distributed.scheduler.RunDupeFilter",
        "REDIS_URL": worker.redis_url,
        "REDIS_PARAMS": {"socket_connect_timeout": 10, "socket_timeout": 30, **redis_retry_options()},
        # the frontier's leases replace the local journal
        **setting_values(worker_id=worker_id, resumable=False),
        # politeness is enforced across workers in Redis; the local delay would only add to it
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {**out["DOWNLOADER_MIDDLEWARES"], POLITENESS_MIDDLEWARE: 960},
        "SPIDER_MIDDLEWARES": {"crawler.distributed.leases.LeaseMiddleware": 10},
        "ITEM_PIPELINES": _swap_pipeline(out["ITEM_PIPELINES"], ArchivePipeline, DistributedArchivePipeline),
    })
    if worker.concurrency is not None:
        out["CONCURRENT_REQUESTS"] = worker.concurrency
        out["CONCURRENT_REQUESTS_PER_DOMAIN"] = min(worker.concurrency, crawl.concurrent_per_domain)
    return out


def _swap_pipeline(pipelines: dict[str, int], old: type, new: type) -> dict[str, int]:
    """``pipelines`` with the class ``old`` replaced by ``new`` at its place in the order."""
    old_path, new_path = (f"{cls.__module__}.{cls.__qualname__}" for cls in (old, new))
    return {new_path if path == old_path else path: priority for path, priority in pipelines.items()}


def worker_source_settings(source: SourceDefinition, base: dict[str, Any]) -> dict[str, Any]:
    """Per-source overrides: the source's politeness becomes the shared allowance of its host."""
    out = source_settings(source)
    if "CONCURRENT_REQUESTS_PER_DOMAIN" in out:
        out[SHARED_CONCURRENCY] = out["CONCURRENT_REQUESTS_PER_DOMAIN"]
        out["CONCURRENT_REQUESTS_PER_DOMAIN"] = min(out["CONCURRENT_REQUESTS_PER_DOMAIN"],
                                                    base.get("CONCURRENT_REQUESTS", 16))
    if "DOWNLOAD_DELAY" in out:
        out[SHARED_DELAY] = out.pop("DOWNLOAD_DELAY")
    return out
