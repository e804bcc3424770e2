"""Run crawls in this process: one Scrapy crawler per source, a run recorded in the archive.

``run_crawl`` is what ``govarchive crawl`` calls (the scheduler runs that command as a child
process per run, so each run gets a fresh Twisted reactor). ``python -m govarchive.launch.runner`` is the
same without the CLI around it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.runsummary import TABLE_COUNTERS, RunSummary, SourceSummary
from crawler.config import setting_values
from crawler.extensions import source_counts
from crawler.heap import CRAWL_YOUNG_GENERATION, settle_after_start_up
from crawler.hostlocks import HostLocks
from govarchive.launch.settings import RunSettings, crawl_config, scrapy_settings
from spiders.sources import SourceDefinition, SourceError, load_enabled_sources, load_sources, source_dirs

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from govarchive.config import Settings

CrawlSummary = dict[str, Any]
QUIET_ABOVE = 50  # sources in one run beyond which Scrapy's per-crawler start/stop chatter is not logged
_CHATTY_LOGGERS = ("scrapy.middleware", "scrapy.statscollectors", "scrapy.core.engine", "scrapy.core.scraper",
                   "scrapy.extensions.logstats", "scrapy.crawler", "scrapy.addons", "scrapy.utils.log",
                   "scrapy-playwright")


@dataclass(slots=True)
class FinishedCrawl:
    """What is kept of a source's crawler once it finished: its stats and session, not the crawler."""

    stats: dict[str, Any] = field(default_factory=dict)
    session: Any = None
    failures: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, crawler: Crawler) -> FinishedCrawl:
        try:
            stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
        except RuntimeError:  # never started
            stats = {}
        return cls(stats, getattr(crawler, "_govarchive_session", None))


logger = logging.getLogger(__name__)


def resolve_sources(settings: Settings, names: Iterable[str], *, all_sources: bool = False,
                    extra: Sequence[SourceDefinition] = (), problems: list[str] | None = None
                    ) -> list[SourceDefinition]:
    """The definitions to crawl; SourceError (one line) for an unknown name or a named bad file.

    A bad file of a source not named is skipped; its one-line reason goes to ``problems``.
    """
    dirs = source_dirs(settings.sources_dir, settings.sources_dirs)
    found: list[str] = []
    wanted = list(dict.fromkeys(names))
    if all_sources:
        # --all: the sources switched on (built-in ones are offered, not crawled unasked)
        known = load_enabled_sources(dirs, settings.source_state_file, builtin_default=settings.builtin_sources,
                                     problems=found)
        known.update({s.name: s for s in extra})
        if problems is not None:
            problems.extend(found)
        return list(known.values()) if not wanted else [known[n] for n in wanted if n in known]
    known = load_sources(dirs, problems=found)
    known.update({s.name: s for s in extra})
    if problems is not None:
        problems.extend(found)
    if not wanted:
        raise SourceError("name at least one source, or use --all")
    unknown = [n for n in wanted if n not in known]
    if unknown:
        bad = [p for p in found if Path(p.split(":", 1)[0]).stem == unknown[0]]
        raise SourceError(bad[0] if bad else f"unknown source {unknown[0]!r} (see `govarchive sources list`)")
    return [known[n] for n in wanted]


class OneLineFormatter(logging.Formatter):
    """The terminal's format: the message's first line, never a traceback (the log file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record).splitlines()[0] if record.getMessage() else super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class TerminalFilter(logging.Filter):
    """Leave Scrapy's per-request download errors to the log file: the spider says each in one line."""

    NOISY = ("scrapy.downloadermiddlewares.",)

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(self.NOISY)


def _setup_logging(settings: Settings, run_label: str, console: Any | None) -> Path | None:
    """Everything at INFO into ``<home>/logs/crawl-<run>.log``; warnings on the terminal, one line each."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    log_path = settings.home / "logs" / f"crawl-{run_label}.log"
    kept: Path | None = log_path
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_path, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        file_handler.setLevel(logging.INFO)
        root.addHandler(file_handler)
    except OSError:
        kept = None
    if console is not None:
        from rich.logging import RichHandler

        term: logging.Handler = RichHandler(console=console, show_path=False, show_time=False, markup=False)
        term.setFormatter(OneLineFormatter("%(message)s"))
    else:
        term = logging.StreamHandler(sys.stderr)
        term.setFormatter(OneLineFormatter("%(levelname)s: %(message)s"))
    term.setLevel(logging.WARNING)
    term.addFilter(TerminalFilter())
    root.addHandler(term)
    return kept


def keep_scrapy_at_info() -> None:
    """Undo the DEBUG level Scrapy's logging set-up gives its loggers (call after making the
    CrawlerProcess). At DEBUG every request and every item built a log record ("Crawled (200)",
    "Scraped"), which the file handler then wrote: two lines and a flush per page."""
    logging.getLogger("scrapy").setLevel(logging.INFO)


def _crawl_process(settings: Settings, definitions: Sequence[SourceDefinition], *, run_id: int | None,
                   trigger: str, check_only: bool, progress: bool, ensured: bool = False) -> list[FinishedCrawl]:
    """Crawl every source (``crawl.parallel_sources`` at a time) in one CrawlerProcess.

    A crawler is made when its source's turn comes and dropped when it ends (only its stats and
    session are kept), so memory follows the sources crawled at once, not the sources in the run.
    """
    from scrapy.crawler import Crawler, CrawlerProcess

    from spiders.portal import GovPortalSpider

    base = scrapy_settings(settings, run_id=run_id, trigger=trigger, check_only=check_only)
    base.update(setting_values(sources_ensured=ensured))
    # Scrapy's LogCount puts one handler per crawler on the root logger, each counting every
    # crawler's lines: with a crawler per source running at once, each log line went through
    # them all, and the counts were wrong anyway
    base["EXTENSIONS"] = {**base["EXTENSIONS"], "scrapy.extensions.logcount.LogCount": None}
    # Crawlers get the spider class itself; Scrapy's spider loader would import every module of
    # spiders/ to index them, the distributed spider's Redis client among them (~90 ms of imports)
    base["SPIDER_MODULES"] = []
    show = progress and sys.stderr.isatty()
    console = None
    if show:
        from rich.console import Console

        console = Console(stderr=True)
    _setup_logging(settings, str(run_id) if run_id is not None else f"check-{os.getpid()}", console)
    from scrapy.utils.reactor import install_reactor

    install_reactor(base["TWISTED_REACTOR"])  # before anything imports the default reactor
    process = CrawlerProcess({**base, "LOG_INSTALL_ROOT_HANDLER": False})
    keep_scrapy_at_info()
    if len(definitions) > QUIET_ABOVE:  # after CrawlerProcess: its logging set-up resets Scrapy's loggers
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    from twisted.internet import defer, reactor, task

    # a crawler is made when its source's turn comes: thousands of sources cost memory only while crawled
    crawlers: list[Crawler | FinishedCrawl | None] = [None] * len(definitions)
    semaphore = defer.DeferredSemaphore(settings.crawl.parallel_sources)
    failures: list[str] = []
    template = RunSettings(base, priority="project")

    def crawl_one(index: int, definition: SourceDefinition) -> Any:
        crawler = crawlers[index] = Crawler(GovPortalSpider, template.for_source(definition))
        d = process.crawl(crawler, definition=definition)

        def failed(failure: Any) -> None:
            kind = failure.type.__name__ if failure.type else "Exception"
            message = (failure.getErrorMessage().strip().splitlines() or [kind])[0]
            failures.append(f"{definition.name}: {kind}: {message}")
            logger.error("%s: crawl failed: %s: %s", definition.name, kind, message)

        def finished(_: Any) -> None:
            crawlers[index] = FinishedCrawl.of(crawler)

        d.addErrback(failed)
        d.addBoth(finished)
        return d

    # Sources on the same host run one after another, so the per-domain limit holds across them.
    by_host: dict[str, list[tuple[int, SourceDefinition]]] = {}
    for index, definition in enumerate(definitions):
        by_host.setdefault(_host_of(definition), []).append((index, definition))

    @defer.inlineCallbacks
    def crawl_group(group: list[tuple[int, SourceDefinition]]) -> Any:
        for index, definition in group:
            yield crawl_one(index, definition)

    runs = [semaphore.run(crawl_group, group) for group in by_host.values()]
    done = defer.DeferredList(runs, consumeErrors=True)
    done.addBoth(lambda _: reactor.callLater(0, reactor.stop))

    live = None
    if show and console is not None:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        live = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=False)
        tasks = [(live.add_task(f"{d.name}: waiting"), d.name) for d in definitions]

        def refresh() -> None:
            for crawler, (task_id, name) in zip(crawlers, tasks, strict=True):
                if crawler is None:
                    continue
                if isinstance(crawler, FinishedCrawl):
                    stats = crawler.stats
                else:
                    try:
                        stats = crawler.stats.get_stats()
                    except RuntimeError:  # not started yet: Scrapy sets stats when the crawl starts
                        continue
                counts = source_counts(stats)
                state = "done" if stats.get("finish_reason") else "crawling"
                live.update(task_id, description=(
                    f"{name}: {state}, {counts['discovered']} found, {counts['fetched']} fetched, "
                    f"{counts['new']} new, {counts['changed']} changed, {counts['errors']} errors"))

        loop = task.LoopingCall(refresh)
        loop.start(0.5)
        done.addBoth(lambda _: loop.stop() if loop.running else None)
        live.start()
    settle_after_start_up(CRAWL_YOUNG_GENERATION)
    try:
        process.start(stop_after_crawl=False)
    finally:
        if live is not None:
            refresh()  # the final counts
            live.stop()
    out = [c if isinstance(c, FinishedCrawl) else FinishedCrawl.of(c) if c is not None else FinishedCrawl()
           for c in crawlers]
    for finished in out:
        finished.failures = failures
    return out


def _host_of(source: SourceDefinition) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(source.start_urls[0]).hostname or "").lower()


def run_crawl(settings: Settings, source_names: Iterable[str], *, trigger: str = "cli", progress: bool = True,
              all_sources: bool = False, extra_sources: Sequence[SourceDefinition] = (),
              recheck: bool = False) -> CrawlSummary:
    """Discover, fetch, extract and archive the named sources in this process.

    Returns ``{"run_id", "status", "sources": [{"name", "status", "error", "discovered", "fetched",
    "new", "changed", "unchanged", "not_checked", "resumed", "removed", "errors", …}], "skipped_files"}``
    whatever happened to the sources (statuses: ``archive.outcomes``). ``recheck`` fetches every
    known report now, whatever its cadence. Raises SourceError for unknown sources. Can run once per
    process (the Twisted reactor does not restart).
    """
    problems: list[str] = []
    definitions = resolve_sources(settings, source_names, all_sources=all_sources, extra=extra_sources,
                                  problems=problems)
    for problem in problems:
        print(f"warning: {problem} (file skipped)", file=sys.stderr)
    locks = HostLocks(settings.home / "locks")
    locks.acquire([_host_of(d) for d in definitions], on_wait=lambda host, holder: print(
        f"waiting for {host}: {holder} is crawling it", file=sys.stderr))
    try:
        return _run_locked(settings, definitions, problems, trigger=trigger, progress=progress,
                           all_sources=all_sources, recheck=recheck)
    finally:
        locks.release()


def _run_locked(settings: Settings, definitions: Sequence[SourceDefinition], problems: list[str], *, trigger: str,
                progress: bool, all_sources: bool, recheck: bool) -> CrawlSummary:
    from crawler.workers.spawn import stop_spares

    if recheck:
        settings = settings.model_copy(update={"crawl": settings.crawl.model_copy(update={"recheck_hours": 0.0})})
    try:
        _start_workers_ahead(settings)
    except OSError as exc:  # no process to spare now: the crawl starts its workers when it needs them
        logger.warning("could not start the crawl's workers ahead: %s", exc)
    try:
        return _run_archived(settings, definitions, problems, trigger=trigger, progress=progress,
                             all_sources=all_sources)
    finally:
        stop_spares()


def _start_workers_ahead(settings: Settings) -> list[int]:
    """Start the page-work and writer processes the crawl will use now: their imports then overlap
    the crawl's own (Scrapy, the catalog; one core busy) instead of competing with its first pages.
    Their process ids."""
    from crawler.workers import pool, writerproc

    config = crawl_config(settings)
    pids = pool.start_ahead(pool.default_workers() if config.page_workers is None else config.page_workers)
    address = writerproc.writer_address(config)
    if address is not None:
        pids.append(writerproc.start_ahead(address))
    return pids


def _run_archived(settings: Settings, definitions: Sequence[SourceDefinition], problems: list[str], *, trigger: str,
                  progress: bool, all_sources: bool) -> CrawlSummary:
    from sqlalchemy.exc import DBAPIError

    from archive.errors import ArchiveError
    from archive.outcomes import Outcome
    from archive.runs import close_dead_runs
    from crawler.archive_link import shared_archive

    try:
        archive = shared_archive(settings.catalog_url, settings.store_options(),
                                 removal_checks=settings.crawl.removal_checks)
        close_dead_runs(archive.engine)
        archive.ensure_sources({"name": d.name, "title": d.title, "region": d.region, "level": d.level,
                                "definition": d.model_dump(mode="json")} for d in definitions)
        run_id = archive.start_run([d.name for d in definitions], trigger=trigger, pid=os.getpid())
    except (ArchiveError, DBAPIError, OSError) as exc:  # the catalog cannot be reached: nothing ran, say so
        reason = _one_line(exc)
        logger.debug("catalog unavailable", exc_info=exc)
        unavailable = RunSummary.of(None, (SourceSummary(d.name, Outcome.STORE_UNAVAILABLE.value, error=reason)
                                           for d in definitions), problems)
        return {**unavailable.as_dict(), "error": reason}
    try:
        crawlers = _crawl_process(settings, definitions, run_id=run_id, trigger=trigger, check_only=False,
                                  progress=progress, ensured=True)
    except BaseException as exc:
        archive.finish_run(run_id, status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                           error=f"{type(exc).__name__}: {exc}")
        raise
    sources = [_source_summary(definition, crawler) for definition, crawler in zip(definitions, crawlers, strict=True)]
    with contextlib.suppress(Exception), archive.batch():  # the pipeline recorded the counts; this settles the status
        for source in sources:  # in one transaction: thousands of sources, not thousands of commits
            archive.update_source_run(run_id, source.name, **source.source_run_fields())
    run = RunSummary.of(run_id, sources, problems, incomplete=bool(problems) and all_sources)
    status = run.status
    summary: CrawlSummary = run.as_dict()
    try:
        archive.finish_run(run_id, status=status, stats=summary, error=run.error())
    except Exception as exc:  # the catalog went away during the run: the summary still tells
        summary["status"] = Outcome.STORE_UNAVAILABLE.value
        summary["error"] = f"could not record the run's end: {_one_line(exc)}"
        logger.debug("could not record the end of run %s", run_id, exc_info=exc)
    return summary


def _source_summary(definition: SourceDefinition, crawler: FinishedCrawl) -> SourceSummary:
    """How a source's crawl ended: its stats, or the exception that ended its crawler."""
    from archive.outcomes import Outcome
    from crawler.outcomes import UNAVAILABLE_ERRORS, source_summary

    stats = crawler.stats
    summary = replace(source_summary(definition.name, stats),
                      elapsed=round(float(stats.get("elapsed_time_seconds") or 0), 3))
    crashed = [f for f in crawler.failures if f.startswith(definition.name + ":")]
    if crashed:
        kind, message = crashed[0].split(": ", 2)[1:]
        unavailable = kind in UNAVAILABLE_ERRORS or kind == "CatalogUnavailableError"
        summary = summary.ended((Outcome.STORE_UNAVAILABLE if unavailable else Outcome.FAILED).value,
                                f"{kind}: {message}")
    if summary.error:
        summary = summary.ended(summary.status, summary.error.splitlines()[0])
    return summary


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def check_source(settings: Settings, name: str, *, extra_sources: Sequence[SourceDefinition] = ()) -> dict[str, Any]:
    """Discovery only for one source: the report pages a crawl would fetch; nothing stored."""
    definition = resolve_sources(settings, [name], extra=extra_sources)[0]
    crawlers = _crawl_process(settings, [definition], run_id=None, trigger="check", check_only=True,
                              progress=False)
    crawler = crawlers[0]
    stats = crawler.stats
    found = crawler.session.discovered if crawler.session is not None else []
    return {
        "name": definition.name,
        "reports": [{"url": d.url, "title": d.title} for d in sorted(found, key=lambda d: d.url)],
        "list_pages": int(stats.get("discovery/list_pages") or 0) + int(stats.get("discovery/hanweb_pages") or 0)
        + int(stats.get("discovery/json_pages") or 0),
        "listing_complete": bool(stats.get("discovery/listing_complete")),
        "errors": source_counts(stats)["errors"],
    }


def print_summary(summary: CrawlSummary, console: Any | None = None) -> None:
    """The per-source table shown at the end of a crawl."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"run {summary['run_id']}: {summary['status']}", show_edge=False, header_style="bold")
    for column in ("source", *TABLE_COUNTERS, "status"):
        table.add_column(column)
    for s in summary["sources"]:
        table.add_row(s["name"], *(str(s[k]) for k in TABLE_COUNTERS), s["status"])
    (console or Console()).print(table)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m govarchive.launch.runner [--home DIR] [--all] [--json] [--check] NAME …``"""
    from archive.outcomes import EXIT_NOT_OK
    from govarchive.config import ConfigError, load_settings

    parser = argparse.ArgumentParser(prog="python -m govarchive.launch.runner", description=main.__doc__)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--home")
    parser.add_argument("--all", action="store_true", dest="all_sources")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true", help="discovery only, nothing stored")
    parser.add_argument("--trigger", default="cli")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--recheck", action="store_true", help="re-check every known report now")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.home)
        if args.check:
            if len(args.names) != 1:
                raise SourceError("--check takes exactly one source")
            result: Any = check_source(settings, args.names[0])
        else:
            result = run_crawl(settings, args.names, trigger=args.trigger, progress=not args.no_progress,
                               all_sources=args.all_sources, recheck=args.recheck)
    except (ConfigError, SourceError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    elif not args.check:
        print_summary(result)
    for source in result.get("sources", []):
        if source.get("error"):
            print(f"{source['name']}: {source['status']}: {source['error']}", file=sys.stderr)
    if not args.check and result["status"] != "ok":
        return EXIT_NOT_OK
    return 0


if __name__ == "__main__":
    sys.exit(main())
