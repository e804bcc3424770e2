"""govarchive settings → Scrapy settings: politeness defaults and per-source overrides."""

from __future__ import annotations

from pathlib import Path

from govarchive.config import load_settings
from govarchive.launch.settings import scrapy_settings, source_settings
from spiders.sources import SourceDefinition


def test_shipped_politeness(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, crawl={"contact_url": "https://archive.example.org/crawler"},
                             store={"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalr-s3cr3t-KEY"})
    values = scrapy_settings(settings, run_id=7)
    assert values["USER_AGENT"] == "govarchive/0.1 (+https://archive.example.org/crawler)"
    assert values["ROBOTSTXT_OBEY"] is True
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert values["AUTOTHROTTLE_ENABLED"] is True and values["DOWNLOAD_DELAY"] == 0.25
    assert values["DOWNLOAD_MAXSIZE"] == settings.crawl.max_page_bytes
    assert values["RETRY_TIMES"] == 3 and 429 in values["RETRY_HTTP_CODES"] and 503 in values["RETRY_HTTP_CODES"]
    assert values["SPIDER_MODULES"] == ["spiders"]
    assert values["TWISTED_REACTOR"].endswith("AsyncioSelectorReactor")
    assert values["GOVARCHIVE_RUN_ID"] == 7
    assert values["GOVARCHIVE_JOBS_DIR"] == str(tmp_path / "jobs")
    assert "DOWNLOAD_HANDLERS" not in values  # the browser handler only for sources that may render
    store = values["GOVARCHIVE_STORE"]
    assert "wJalr-s3cr3t-KEY" not in repr(values) and "wJalr-s3cr3t-KEY" not in str(store)  # left out when shown
    assert store.secret_access_key == "wJalr-s3cr3t-KEY"  # and handed to the store


def test_per_source_overrides() -> None:
    polite = SourceDefinition.model_validate({
        "name": "slow", "start_urls": ["http://slow.gov.cn/col/"], "render": "never",
        "politeness": {"concurrency": 1, "delay": 5, "reason": "429 above one request per five seconds"},
    })
    values = source_settings(polite)
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1 and values["DOWNLOAD_DELAY"] == 5
    assert "DOWNLOAD_HANDLERS" not in values
    auto = source_settings(SourceDefinition(name="auto", start_urls=["http://a.gov.cn/"]))
    assert auto["DOWNLOAD_HANDLERS"]["https"] == "crawler.handlers.LazyPlaywrightDownloadHandler"
    assert "CONCURRENT_REQUESTS_PER_DOMAIN" not in auto
    # a source allowed more per host than the default gets the in-flight share to match
    eager = source_settings(SourceDefinition.model_validate({
        "name": "eager", "start_urls": ["http://e.gov.cn/col/"], "render": "never",
        "politeness": {"concurrency": 8, "reason": "the portal's operator allows eight"}}))
    assert eager["CONCURRENT_REQUESTS_PER_DOMAIN"] == 8 and eager["CONCURRENT_REQUESTS"] == 16


def test_run_settings_copy_as_scrapy_would(tmp_path: Path) -> None:
    """A run's crawler settings, copied cheaply, hold what Scrapy's deep copies held, and stay apart."""
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings, Settings

    from govarchive.launch.settings import RunSettings
    from spiders.portal import GovPortalSpider

    def values(settings: BaseSettings) -> dict[str, object]:
        return {name: (attribute.priority, values(attribute.value) if isinstance(attribute.value, BaseSettings)
                       else attribute.value) for name, attribute in settings.attributes.items()}

    base = scrapy_settings(load_settings(tmp_path), run_id=3)
    source = SourceDefinition.model_validate({
        "name": "slow", "start_urls": ["http://slow.gov.cn/col/"], "politeness": {"concurrency": 1, "delay": 5, "reason": "429s"}})
    expected = Settings(base)
    expected.setdict(source_settings(source), priority="cmdline")
    template = RunSettings(base)
    crawler = Crawler(GovPortalSpider, template.for_source(source))
    assert isinstance(crawler.settings, RunSettings)
    assert values(crawler.settings) == values(expected.copy())
    assert crawler.settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1 and template["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    crawler.settings["DOWNLOADER_MIDDLEWARES"]["x.Added"] = 1
    crawler.settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"].append("--added")
    other = template.for_source(SourceDefinition(name="other", start_urls=["http://other.gov.cn/col/"]))
    assert "x.Added" not in other["DOWNLOADER_MIDDLEWARES"] and "x.Added" not in template["DOWNLOADER_MIDDLEWARES"]
    assert "--added" not in other["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    assert "--added" not in base["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


_EXTENSIONS_LOADED = """
import sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
import scrapy
from scrapy.crawler import Crawler
from crawler.settings import base_settings
settings = base_settings()
settings["SPIDER_MODULES"] = []
crawler = Crawler(scrapy.Spider, settings)
crawler._apply_settings()
print(sorted(type(x).__name__ for x in crawler.extensions.middlewares))
print("aiohttp" in sys.modules, "twisted.conch" in sys.modules)
"""


def test_crawl_loads_no_extension_it_never_enables() -> None:
    # Scrapy imports each listed extension before it asks whether it is enabled: the remote control
    # (aiohttp) and the telnet console (twisted.conch) cost each crawl's start-up for nothing
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _EXTENSIONS_LOADED], capture_output=True, text=True, timeout=120,
                          check=False, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    loaded, imported = done.stdout.strip().splitlines()
    assert "CrawlReportExtension" in loaded and "CoreStats" in loaded and "RemoteControl" not in loaded
    assert imported == "False False"
