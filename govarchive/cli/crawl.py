"""``govarchive crawl [NAME …] [--all] [--recheck] [--json]``: discover, fetch, extract, archive.

Exit codes (docs/cli.md): 0 only when every source ended ``ok``; 1 when any source ended
otherwise (the JSON document and the table are printed all the same) or the run could not start;
2 on bad usage. After the crawl the sources' health is re-assessed and the alerts it raised are
dispatched, as the scheduler would (``--no-alerts`` leaves them queued for the scheduler).
"""

from __future__ import annotations

from typing import Any

import typer

from archive.outcomes import EXIT_NOT_OK
from spiders.sources import SourceError

from .context import get_settings
from .output import CommandError, JsonOption, console, emit_json, err_console, usage_error


def crawl(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, help="Sources to crawl (see `govarchive sources list`)."),
    all_sources: bool = typer.Option(False, "--all", help="Crawl every enabled source (see `sources disable`)."),
    recheck: bool = typer.Option(False, "--recheck", help="Re-check every known report now, whatever its cadence."),
    alerts: bool = typer.Option(True, "--alerts/--no-alerts",
                                help="Send the alerts this crawl raised now (default), or leave them queued."),
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
    from govarchive.launch.runner import print_summary, run_crawl

    try:
        summary = run_crawl(settings, names, trigger="cli", progress=not json_, all_sources=all_sources,
                            recheck=recheck)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    if summary.get("run_id") is not None:
        summary["alerts"] = _after_crawl(settings, summary, send=alerts)
    if json_:
        emit_json(summary)
    else:
        print_summary(summary, console)
    for source in summary["sources"]:
        if source.get("error"):
            err_console.print(f"{source['name']}: {source['status']}: {source['error']}", markup=False)
    if not json_ and summary.get("alerts"):
        err_console.print(_alerts_line(summary["alerts"]), markup=False)
    if summary["status"] != "ok":
        bad = [s["name"] for s in summary["sources"] if s["status"] != "ok"]
        what = f"crawl failed for {', '.join(bad)}" if bad else f"crawl {summary['status']}"
        raise CommandError(summary.get("error") or what, EXIT_NOT_OK)


def _after_crawl(settings: Any, summary: dict[str, Any], *, send: bool) -> dict[str, Any]:
    """Re-assess the crawled sources' health, then send (or count) the alerts waiting."""
    from sqlmodel import Session

    from alerts import check_source_health, dispatch
    from alerts.queue import queued_alerts
    from govarchive.alerting import alert_options

    from .alerts import text_loader
    from .context import open_home_archive

    options = alert_options(settings)
    try:
        archive = open_home_archive(settings, create=False)
        engine = archive.engine
        with Session(engine) as db:
            for source in summary["sources"]:
                check_source_health(db, options, source["name"])
        if send:  # keyword filters look into the archived texts, as the scheduler's dispatcher does
            stats = dispatch(engine, options, text_loader=text_loader(archive))
            return {"sent": stats.sent, "failed_attempts": stats.failed_attempts, **queued_alerts(engine)}
        return {"sent": 0, "failed_attempts": 0, **queued_alerts(engine)}
    except Exception as exc:  # alerts never change what the crawl archived
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}


def _alerts_line(alerts: dict[str, Any]) -> str:
    if alerts.get("error"):
        return f"alerts: not dispatched ({alerts['error']}); `govarchive alerts dispatch` sends them"
    return (f"alerts: {alerts['sent']} sent, {alerts['pending']} pending, {alerts['undispatched']} events "
            "not yet dispatched (the scheduler or `govarchive alerts dispatch` sends them)")
