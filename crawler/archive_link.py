"""The crawler's handle on the archive: opened once per process from plain Scrapy setting values."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from crawler.config import CrawlConfig, setting_key

if TYPE_CHECKING:
    from archive.recorder import Archive
    from archive.storage import StoreOptions

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, StoreOptions, int], Archive] = {}


def shared_archive(catalog_url: str, store: StoreOptions, *, removal_checks: int = 3) -> Archive:
    """The Archive for a catalog and store (``archive.recorder.open_archive``), shared by every
    crawler of this process."""
    from archive.recorder import open_archive

    key = (catalog_url, store, removal_checks)
    with _LOCK:
        if key not in _OPEN:
            _OPEN[key] = open_archive(catalog_url, store, removal_checks=removal_checks)
        return _OPEN[key]


def archive_from_config(config: CrawlConfig) -> Archive:
    """The Archive named by a crawler's config (``catalog_url``, ``store`` …)."""
    if not config.catalog_url or config.store is None:
        from scrapy.exceptions import NotConfigured

        raise NotConfigured(f"{setting_key('catalog_url')} / {setting_key('store')} are not set")
    return shared_archive(config.catalog_url, config.store, removal_checks=config.removal_checks)
