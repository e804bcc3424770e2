"""A distributed run's life in the catalog: queued by ``govarchive crawl --distributed``, finished by a worker.

``queue_run`` records the crawl run (no process id: it belongs to no one process, which the
scheduler's one-run-per-source check understands), marks each source active in Redis and queues its
seed. A source whose earlier distributed run is still running is left out ("busy"); one whose earlier
run the catalog has closed (stale) has its leftovers cleared first.

``finish_source_run`` is called by the one worker that wins ``Frontier.try_finish``: it writes the
source's summed counters into the run, and the last source of the run closes the run itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from archive.runsummary import RunSummary
from archive.urlmask import mask_url
from crawler.distributed.frontier import Frontier
from crawler.outcomes import source_summary

if TYPE_CHECKING:
    from archive.recorder import Archive
    from govarchive.config import Settings
    from spiders.sources import SourceDefinition

logger = logging.getLogger(__name__)


class FrontierUnavailableError(Exception):
    """Redis (the frontier) cannot be reached; the message is one line."""


def connect_frontier(redis_url: str) -> Frontier:
    """The frontier at ``redis_url``, checked with a PING."""
    import redis

    frontier = Frontier.from_url(redis_url)
    try:
        frontier.check()
    except redis.RedisError as exc:
        raise FrontierUnavailableError(f"cannot reach Redis at {mask_url(redis_url)}: {exc}") from None
    return frontier


def settings_archive(settings: Settings) -> Archive:
    """The archive named by the settings (shared with the crawlers of this process)."""
    from crawler.archive_link import shared_archive

    return shared_archive(settings.catalog_url, settings.store_options(), removal_checks=settings.crawl.removal_checks)


def _run_status(archive: Archive, run_id: int) -> str | None:
    from sqlmodel import Session

    from archive.catalog.models import CrawlRun

    with Session(archive.engine) as db:
        run = db.get(CrawlRun, run_id)
        return run.status if run is not None else None


def queue_run(settings: Settings, names: Iterable[str], *, trigger: str = "cli", all_sources: bool = False,
              extra_sources: Sequence[SourceDefinition] = ()) -> dict[str, Any]:
    """Queue a crawl of the named sources for the workers; ``{"run_id", "status", "sources"}``.

    Raises SourceError for unknown sources, FrontierUnavailableError when Redis cannot be reached.
    """
    from govarchive.launch.runner import resolve_sources

    definitions = resolve_sources(settings, names, all_sources=all_sources, extra=extra_sources)
    frontier = connect_frontier(settings.worker.redis_url)
    with frontier.redis.lock(frontier.key("lock", "catalog-init"), timeout=300, blocking_timeout=300):
        archive = settings_archive(settings)
    for d in definitions:
        archive.ensure_source(d.name, title=d.title, region=d.region, level=d.level,
                              definition=d.model_dump(mode="json"))
    run_id = archive.start_run([d.name for d in definitions], trigger=trigger, pid=None)
    queued: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    for d in definitions:
        holder = frontier.claim(d.name, run_id)
        if holder is not None and _run_status(archive, holder) != "running":
            logger.warning("%s: clearing the leftovers of distributed run %s", d.name, holder)
            frontier.abandon(d.name, holder)
            holder = frontier.claim(d.name, run_id)
        if holder is not None:
            entries.append({"name": d.name, "status": "busy", "error": f"run {holder} is still in progress"})
            continue
        queued[d.name] = d.model_dump_json()
        entries.append({"name": d.name, "status": "queued", "error": None})
    frontier.begin_run(run_id, queued, trigger)
    for entry in entries:
        if entry["status"] == "busy":
            archive.update_source_run(run_id, entry["name"], status="skipped", error=entry["error"])
    status = "queued" if queued else "failed"
    if not queued:
        archive.finish_run(run_id, status="failed", error="; ".join(f"{e['name']}: {e['error']}" for e in entries))
    return {"run_id": run_id, "status": status, "sources": entries}


def finish_source_run(archive: Archive, frontier: Frontier, source: str, run_id: int) -> dict[str, Any] | None:
    """Record ``source``'s part of a finished run; close the run when it was the last. Its summary, if closed."""
    entry = source_summary(source, frontier.run_stats(source, run_id))
    archive.update_source_run(run_id, source, **entry.source_run_fields())
    remaining = frontier.close_source(source, run_id)
    logger.info("%s: run %s done (%s new, %s changed, %s errors)", source, run_id, entry.counts.new,
                entry.counts.changed, entry.counts.errors)
    if remaining:
        return None
    names = sorted(m.decode() for m in frontier.redis.smembers(frontier.key("run", run_id, "sources")))
    run = RunSummary.of(run_id, (entry if name == source else source_summary(name, frontier.run_stats(name, run_id))
                                 for name in names))
    summary = run.as_dict()
    archive.finish_run(run_id, status=run.status, stats=summary, error=run.error())
    return summary
