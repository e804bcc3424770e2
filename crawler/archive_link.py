"""The crawler's handle on the archive: opened once per process from plain Scrapy setting values."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crawler.config import CrawlConfig, setting_key

if TYPE_CHECKING:

    from archive.recorder import Archive

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, str, int], Archive] = {}


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return getter() if callable(getter) else str(value)


def open_archive(catalog_url: str, store_url: str, store_options: Mapping[str, Any] | None = None,
                 *, removal_checks: int = 3) -> Archive:
    """The Archive for a catalog and store, shared by every crawler of this process."""
    from archive.recorder import open_archive as open_new_archive

    key = (catalog_url, store_url, removal_checks)
    with _LOCK:
        if key not in _OPEN:
            options = dict(store_options or {})
            _OPEN[key] = open_new_archive(
                catalog_url,
                store_url,
                removal_checks=removal_checks,
                endpoint_url=options.get("endpoint_url"),
                region=options.get("region"),
                access_key_id=options.get("access_key_id"),
                secret_access_key=_secret(options.get("secret_access_key")),
                compress=bool(options.get("compress", True)),
            )
        return _OPEN[key]


def archive_from_config(config: CrawlConfig) -> Archive:
    """The Archive named by a crawler's config (``catalog_url``, ``store_url`` …)."""
    if not config.catalog_url or not config.store_url:
        from scrapy.exceptions import NotConfigured

        raise NotConfigured(f"{setting_key('catalog_url')} / {setting_key('store_url')} are not set")
    return open_archive(config.catalog_url, config.store_url, config.store_options,
                        removal_checks=config.removal_checks)
