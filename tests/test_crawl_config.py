"""crawler.config.CrawlConfig: the one list of the crawl's GOVARCHIVE_* Scrapy keys and their defaults."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings as ScrapySettings

from crawler.config import CrawlConfig, config_keys, crawl_config, setting_key, setting_values
from govarchive.config import CrawlSettings, DocumentSettings, load_settings
from govarchive.launch.settings import RunSettings, scrapy_settings, source_settings
from govarchive.launch.worker_settings import worker_settings, worker_source_settings
from spiders.portal import GovPortalSpider
from spiders.sources import SourceDefinition

# CrawlConfig fields whose value comes from govarchive.config's [crawl] / [documents] (same name unless shown)
FROM_CRAWL = {"resumable": "resumable", "removal_checks": "removal_checks", "recheck_hours": "recheck_hours",
              "max_list_pages": "max_list_pages", "depth_limit": "depth_limit", "seek_depth": "seek_depth",
              "max_seek_pages": "max_seek_pages", "max_attachment_bytes": "max_attachment_bytes",
              "retry_backoff": "retry_backoff", "retry_max_delay": "retry_max_delay",
              "page_workers": "page_workers", "shared_concurrency": "concurrent_per_domain",
              "shared_delay": "download_delay"}
SOURCE = SourceDefinition.model_validate({
    "name": "slow", "start_urls": ["http://slow.gov.cn/col/"], "render": "never",
    "politeness": {"concurrency": 1, "delay": 5, "reason": "429 above one request per five seconds"}})


def _ours(values: dict[str, object]) -> set[str]:
    return {key for key in values if key.startswith("GOVARCHIVE_")}


def test_the_app_writes_exactly_the_keys_the_crawler_reads(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    local = scrapy_settings(settings, run_id=3)
    assert _ours(local) == config_keys()
    worker = worker_settings(settings, "w1")
    written = _ours(worker) | _ours(source_settings(SOURCE)) | _ours(worker_source_settings(SOURCE, worker))
    assert written <= config_keys(), f"written but never read: {sorted(written - config_keys())}"
    assert config_keys() == {setting_key(f.name) for f in fields(CrawlConfig)}
    with pytest.raises(TypeError, match="not CrawlConfig fields: max_pages"):
        setting_values(max_pages=3)


def test_crawler_defaults_are_the_applications() -> None:
    """A crawler made without the application (bare ``scrapy crawl``) behaves as the app's defaults say."""
    bare = CrawlConfig.from_settings(ScrapySettings())
    assert bare == CrawlConfig()
    for ours, theirs in FROM_CRAWL.items():
        assert getattr(bare, ours) == CrawlSettings.model_fields[theirs].default, ours
    assert bare.ocr_images == DocumentSettings.model_fields["ocr_images"].default


def test_a_changed_default_reaches_the_crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Change defaults in govarchive.config: the spider, pipelines and middlewares of a real crawler see them."""
    for name, value in {"max_list_pages": 17, "concurrent_per_domain": 5, "max_attachment_bytes": 1234,
                        "retry_max_delay": 9.5, "removal_checks": 6}.items():
        monkeypatch.setattr(CrawlSettings.model_fields[name], "default", value)
    CrawlSettings.model_rebuild(force=True)
    try:
        crawl = CrawlSettings()  # the section as govarchive.config now defaults it
    finally:
        monkeypatch.undo()
        CrawlSettings.model_rebuild(force=True)
    assert crawl.max_list_pages == 17 and CrawlSettings().max_list_pages == 200
    settings = load_settings(tmp_path).model_copy(update={"crawl": crawl})
    crawler = Crawler(GovPortalSpider, RunSettings(scrapy_settings(settings, run_id=4)).for_source(SOURCE))
    config = CrawlConfig.from_settings(crawler.settings)
    assert (config.max_list_pages, config.shared_concurrency, config.max_attachment_bytes,
            config.retry_max_delay, config.removal_checks, config.run_id) == (17, 5, 1234, 9.5, 6, 4)
    spider = GovPortalSpider.from_crawler(crawler, definition=SOURCE)
    assert (spider.max_list_pages, spider.max_attachment_bytes) == (17, 1234)
    from crawler.middlewares.retry import BackoffRetryMiddleware

    assert BackoffRetryMiddleware.from_crawler(crawler).max_delay == 9.5
    assert crawl_config(crawler) is not crawl_config(crawler)  # settings may still change: not kept
    crawler.settings.freeze()
    assert crawl_config(crawler) is crawl_config(crawler) == config  # read once per crawler from then on



def test_one_store_options_from_settings_to_the_crawler(tmp_path: Path) -> None:
    """The six store values travel as one StoreOptions: from the app's settings, through Scrapy, to the archive."""
    from archive.storage import FilesystemBlobStore, StoreOptions
    from crawler.archive_link import archive_from_config

    settings = load_settings(tmp_path, store={"url": "s3://bucket/prefix", "endpoint_url": "http://127.0.0.1:9",
                                              "region": "cn-north-1", "access_key_id": "AKID",
                                              "secret_access_key": "s3cr3t", "compress": False})
    assert settings.store_options() == StoreOptions("s3://bucket/prefix", endpoint_url="http://127.0.0.1:9",
                                                    region="cn-north-1", access_key_id="AKID",
                                                    secret_access_key="s3cr3t", compress=False)
    assert "s3cr3t" not in repr(settings.store_options())
    (tmp_path / "home").mkdir()
    local = load_settings(tmp_path / "home")
    config = CrawlConfig.from_settings(ScrapySettings(scrapy_settings(local)))
    assert config.store == local.store_options() and config.catalog_url == local.catalog_url
    archive = archive_from_config(config)
    assert archive is archive_from_config(config)  # one per process, shared by its crawlers
    assert isinstance(archive.store, FilesystemBlobStore) and (tmp_path / "home" / "catalog.db").is_file()
