"""Per-crawler state shared by the spider, the pipelines and the extension: one source, one run."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from archive.timeutil import as_utc_or_none, utcnow
from crawler.config import crawl_config
from crawler.journal import CrawlJournal

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.recorder import Archive, KnownReport

SESSION_ATTR = "_govarchive_session"


class CrawlSource(Protocol):
    """What the crawl machinery needs of a source definition (``spiders.sources.SourceDefinition``)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def level(self) -> str: ...
    def model_dump(self, *, mode: str) -> dict[str, Any]: ...
    def title_matches(self, title: str) -> bool: ...


def spider_source(crawler: Crawler) -> CrawlSource:
    """The source definition the crawler's spider crawls (every spider of ours has ``source``;
    read as an attribute: a runtime Protocol check cost more, and every item asks)."""
    spider = crawler.spider
    source: CrawlSource | None = getattr(spider, "source", None)
    if source is None:
        raise TypeError(f"{spider!r} crawls no source definition")
    return source


@dataclass(slots=True)
class CrawlSession:
    """What one crawler knows beyond Scrapy: its source, the archive, its run, its journal."""

    source: CrawlSource
    archive: Archive | None
    run_id: int | None
    own_run: bool
    journal: CrawlJournal | None
    check_only: bool
    discovered: list[Any] = field(default_factory=list)  # DiscoveredReport items (check mode)
    done: set[str] = field(default_factory=set)  # URLs an interrupted crawl already recorded

    def known_reports(self) -> list[KnownReport]:
        return self.archive.known_reports(self.source.name) if self.archive is not None else []


def recheck_due(known: KnownReport, hours: float, now: dt.datetime | None = None) -> bool:
    """Whether a known report's own cadence calls for fetching it again."""
    checked = as_utc_or_none(known.last_checked)
    if checked is None:
        return True
    now = now or utcnow()
    return now - checked >= dt.timedelta(hours=hours)


def crawl_session(crawler: Crawler) -> CrawlSession:
    """The crawler's session, created on first use (the spider must exist by then)."""
    session = getattr(crawler, SESSION_ATTR, None)
    if session is not None:
        return session
    from crawler.archive_link import archive_from_config

    config = crawl_config(crawler)
    source = spider_source(crawler)
    check_only = config.check_only
    archive = None if check_only else archive_from_config(config)
    run_id = config.run_id
    own_run = False
    if archive is not None:
        if not config.sources_ensured:  # run_crawl registers all its sources at once
            archive.ensure_source(source.name, title=source.title, region=source.region, level=source.level,
                                  definition=source.model_dump(mode="json"))
        if run_id is None:
            run_id = archive.start_run([source.name], trigger=config.trigger,
                                       pid=os.getpid())
            own_run = True
    journal = None
    done: set[str] = set()
    if not check_only and config.resumable and config.jobs_dir:
        journal = CrawlJournal(Path(config.jobs_dir) / source.name)
        done = journal.load()
        journal.open()
    session = CrawlSession(source, archive, run_id, own_run, journal,
                           check_only, done=done)
    setattr(crawler, SESSION_ATTR, session)
    return session
