"""The Scrapy settings module (``scrapy.cfg`` → ``crawler.settings``).

Values come from the govarchive configuration (``$GOVARCHIVE_HOME/govarchive.toml`` and
``GOVARCHIVE_*``), read once here for ``scrapy crawl portal -a source=NAME``; ``govarchive crawl``
builds the same settings through :mod:`crawler.bridge` without this module.
"""

from __future__ import annotations

from crawler.bridge import base_settings, scrapy_settings

try:
    from govarchive.config import ConfigError, load_settings

    _values = scrapy_settings(load_settings(), trigger="scrapy")
except ConfigError as _exc:  # `scrapy list` must still work with a broken home
    import logging

    logging.getLogger(__name__).error("%s", _exc)
    _values = base_settings()

globals().update(_values)
