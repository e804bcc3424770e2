"""The crawl's own Scrapy settings, named once: a frozen :class:`CrawlConfig` read with ``from_settings``.

Like scrapy-playwright's ``Config.from_settings``: every component of the crawler reads its values
from ``CrawlConfig.from_settings(crawler.settings)`` instead of string keys and defaults of its own.
Each field is the Scrapy setting ``GOVARCHIVE_<FIELD NAME IN CAPITALS>``; the application's settings
builder (``govarchive.launch.settings``) writes them with :meth:`CrawlConfig.to_settings` or
:func:`setting_values`, so a key cannot be spelled two ways.

The defaults are govarchive.config's (``tests/test_crawl_config.py`` checks they agree); they apply
when a crawler is made without the application (``scrapy crawl`` in a bare project, tests).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Self

from archive.storage import StoreOptions

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

PREFIX = "GOVARCHIVE_"
_CONFIG_ATTR = "_govarchive_crawl_config"
MIB = 1024 * 1024


def setting_key(name: str) -> str:
    """The Scrapy setting key of the CrawlConfig field ``name``."""
    return PREFIX + name.upper()


@dataclass(frozen=True)
class CrawlConfig:
    """Every value the crawler takes from Scrapy settings beyond Scrapy's own."""

    # where the archive and the process's state are
    home: str | None = None
    catalog_url: str | None = None
    store: StoreOptions | None = None
    sources_dirs: tuple[str, ...] = ()
    jobs_dir: str | None = None
    columns_dir: str | None = None
    # one run
    run_id: int | None = None
    trigger: str = "scrapy"
    check_only: bool = False
    sources_ensured: bool = False  # the launcher registered every source of the run already
    source: str | None = None
    resumable: bool = True
    # discovery and re-checking
    removal_checks: int = 3
    recheck_hours: float = 24.0
    max_list_pages: int = 200
    depth_limit: int = 8
    seek_depth: int = 4
    max_seek_pages: int = 40
    # fetching and reading
    max_attachment_bytes: int = 50 * MIB
    document_limits: Mapping[str, Any] = field(default_factory=dict)  # crawler.extraction ReadLimits fields
    ocr_images: bool = True
    retry_backoff: float = 1.0
    retry_max_delay: float = 120.0
    page_workers: int | None = None
    # the archive writer thread
    writer_batch: int = 64
    writer_wait: float = 0.25
    writer_queue: int = 256
    # distributed workers
    worker_id: str | None = None
    frontier_prefix: str = "govarchive"
    shared_concurrency: int = 2  # per host, across all workers
    shared_delay: float = 0.25
    max_leases: int = 0  # 0: twice what the worker can start at once

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """The config in ``settings``; a key that is missing or None keeps its default."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = settings.get(setting_key(f.name))
            if raw is not None:
                values[f.name] = _convert(_KINDS[f.name], raw)
        return cls(**values)

    def to_settings(self) -> dict[str, Any]:
        """These values under their Scrapy setting keys."""
        return {setting_key(f.name): getattr(self, f.name) for f in fields(self)}


def crawl_config(crawler: Crawler) -> CrawlConfig:
    """``CrawlConfig.from_settings(crawler.settings)``, read once per crawler once its settings are frozen."""
    config: CrawlConfig | None = getattr(crawler, _CONFIG_ATTR, None)
    if config is None:
        config = CrawlConfig.from_settings(crawler.settings)
        if crawler.settings.frozen:  # before that a setting may still change
            setattr(crawler, _CONFIG_ATTR, config)
    return config


def setting_values(**values: Any) -> dict[str, Any]:
    """Some CrawlConfig fields under their Scrapy setting keys (an override on top of ``to_settings``)."""
    unknown = set(values) - _NAMES
    if unknown:
        raise TypeError(f"not CrawlConfig fields: {', '.join(sorted(unknown))}")
    return {setting_key(name): value for name, value in values.items()}


def config_keys() -> frozenset[str]:
    """Every Scrapy setting key CrawlConfig reads."""
    return frozenset(setting_key(name) for name in _NAMES)


_NAMES = frozenset(f.name for f in fields(CrawlConfig))
# the type each field is read as (a field annotated "X | None" is read as X)
_KINDS = {f.name: str(f.type).split(" | ")[0] for f in fields(CrawlConfig)}


def _convert(kind: str, raw: Any) -> Any:
    """``raw`` as Scrapy's ``getint``/``getbool``/… would read it, without looking it up again."""
    if kind == "bool":
        return raw if isinstance(raw, bool) else _BOOLS[str(raw)]
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "StoreOptions":
        return raw if isinstance(raw, StoreOptions) else StoreOptions(**_mapping(raw))
    if kind == "Mapping[str, Any]":
        return _mapping(raw)
    if kind == "tuple[str, ...]":
        return tuple(str(v) for v in (raw.split(",") if isinstance(raw, str) else raw))
    return str(raw)


_BOOLS = {"1": True, "0": False, "True": True, "False": False, "true": True, "false": False}


def _mapping(raw: Any) -> dict[str, Any]:
    return dict(json.loads(raw) if isinstance(raw, str) else raw)
