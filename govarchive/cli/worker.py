"""``govarchive worker``, and ``govarchive crawl --distributed`` which queues runs for workers."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from govarchive.config import Settings
from spiders.sources import SourceError

from .context import get_settings
from .output import EXIT_FAILURE, CommandError, JsonOption, console, emit_json, err_console


def worker(
    ctx: typer.Context,
    sources: list[str] = typer.Option(None, "--source", help="Serve only this source (repeatable); default all."),
    idle_timeout: float = typer.Option(
        None, "--idle-timeout", min=0, help="Exit after the frontier stayed empty this many seconds "
        "(default: worker.idle_timeout)."),
    json_: bool = JsonOption,
) -> None:
    """A scale-out crawler worker: take requests from the shared Redis frontier, archive them."""
    settings = get_settings(ctx)
    from archive.errors import ArchiveError
    from govarchive.launch.runs import FrontierUnavailableError
    from govarchive.launch.worker import run_worker

    try:
        report = run_worker(settings, sources or (), idle_timeout=idle_timeout)
    except (FrontierUnavailableError, ArchiveError) as exc:
        raise CommandError(str(exc)) from None
    if json_:
        emit_json(report.as_dict())
        return
    fetched = sum(s["fetched"] for s in report.crawled.values())
    archived = sum(s["archived"] for s in report.crawled.values())
    console.print(f"worker {report.worker} stopped ({report.reason}): {fetched} report pages fetched, "
                  f"{archived} archived, runs finished here: {', '.join(map(str, report.finished_runs)) or 'none'}",
                  markup=False)


def queue_crawl(settings: Settings, names: Sequence[str], *, all_sources: bool, json_: bool, trigger: str) -> None:
    """``govarchive crawl --distributed``: record the run and seed the frontier; workers do the rest."""
    from archive.errors import ArchiveError
    from govarchive.launch.runs import FrontierUnavailableError, queue_run

    try:
        summary = queue_run(settings, names, trigger=trigger, all_sources=all_sources)
    except (SourceError, FrontierUnavailableError, ArchiveError) as exc:
        raise CommandError(str(exc)) from None
    busy = [s for s in summary["sources"] if s["status"] == "busy"]
    if json_:
        emit_json(summary)
    else:
        queued = [s["name"] for s in summary["sources"] if s["status"] == "queued"]
        if queued:
            console.print(f"run {summary['run_id']} queued for the workers: {', '.join(queued)}", markup=False)
    for source in busy:
        err_console.print(f"{source['name']}: {source['error']}", markup=False)
    if summary["status"] == "failed":
        raise CommandError("nothing queued: every source already has a run in progress", EXIT_FAILURE)
