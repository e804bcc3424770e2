"""``govarchive crawl [NAME …] [--all] [--json]``: discover, fetch, extract, archive."""

from __future__ import annotations

import typer

from spiders.sources import SourceError

from .context import get_settings
from .output import EXIT_FAILURE, CommandError, JsonOption, console, emit_json, err_console, usage_error


def crawl(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, help="Sources to crawl (see `govarchive sources list`)."),
    all_sources: bool = typer.Option(False, "--all", help="Crawl every enabled source (see `sources disable`)."),
    json_: bool = JsonOption,
    distributed: bool = typer.Option(
        False, "--distributed", help="Queue the run for `govarchive worker` processes (Redis) instead."),
) -> None:
    """Discover, fetch, extract and archive the named sources, or every enabled source with --all."""
    settings = get_settings(ctx)
    names = list(names or [])
    if not names and not all_sources:
        usage_error("name at least one source, or use --all")
    if distributed or settings.worker.distributed:
        from .worker import queue_crawl

        queue_crawl(settings, names, all_sources=all_sources, json_=json_, trigger="cli")
        return
    from crawler.runner import print_summary, run_crawl

    try:
        summary = run_crawl(settings, names, trigger="cli", progress=not json_, all_sources=all_sources)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    if json_:
        emit_json(summary)
        for source in summary["sources"]:
            if source.get("error"):
                err_console.print(f"{source['name']}: {source['error']}", markup=False)
    else:
        print_summary(summary, console)
    if summary["status"] == "failed":
        failed = [s["name"] for s in summary["sources"] if s["status"] == "failed"]
        raise CommandError(f"crawl failed for {', '.join(failed)}", EXIT_FAILURE)
