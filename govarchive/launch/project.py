"""The Scrapy settings module (``scrapy.cfg`` → ``govarchive.launch.project``).

Values come from the govarchive configuration (``$GOVARCHIVE_HOME/govarchive.toml`` and
``GOVARCHIVE_*``), read once here for ``scrapy crawl portal -a source=NAME``; ``govarchive crawl``
builds the same settings through :mod:`govarchive.launch.settings` without this module.
"""

from __future__ import annotations

from crawler.settings import base_settings
from govarchive.launch.settings import scrapy_settings

try:
    from govarchive.config import ConfigError, load_settings

    _values = scrapy_settings(load_settings(), trigger="scrapy")
except ConfigError as _exc:  # `scrapy list` must still work with a broken home
    import logging

    logging.getLogger(__name__).error("%s", _exc)
    _values = base_settings()

globals().update(_values)
