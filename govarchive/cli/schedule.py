"""``govarchive schedule run [--once]`` and ``schedule list``: the scheduler service."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from govarchive.scheduling import scheduler_options
from scheduler.app import ArchiveScheduler, SourceSchedule, build_scheduler
from scheduler.triggers import ScheduleError

from .alerts import text_loader
from .context import archive_errors, get_settings, open_for_command
from .output import JsonOption, console, emit_json, fail, print_table

if TYPE_CHECKING:
    from govarchive.config import Settings

TABLE_PAGE = 100  # rows a terminal table shows unless --limit says otherwise

app = typer.Typer(help="The scheduler: crawls on their schedules, alerts, health checks.", no_args_is_help=True)


def source_schedules(settings: Settings) -> list[SourceSchedule]:
    """Every enabled source's name and own schedule; an unreadable source file is skipped with one line."""
    from spiders.sources import load_enabled_sources, source_dirs

    from .output import err_console

    problems: list[str] = []
    sources = load_enabled_sources(source_dirs(settings.sources_dir, settings.sources_dirs),
                                   settings.source_state_file, builtin_default=settings.builtin_sources,
                                   problems=problems)
    for problem in problems:
        err_console.print(f"warning: {problem} (file skipped)", markup=False)
    return [SourceSchedule(name, definition.schedule) for name, definition in sources.items()]


def _open(ctx: typer.Context, *, sync: bool) -> ArchiveScheduler:
    settings = get_settings(ctx)
    archive = open_for_command(ctx)
    try:
        service = build_scheduler(
            scheduler_options(settings), source_schedules(settings), engine=archive.engine, env=dict(os.environ),
            text_loader=text_loader(archive),
        )
    except ScheduleError as exc:
        fail(str(exc))
    with archive_errors():
        service.open(sync=sync)
    return service


def _on_signals(handler: Any) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)


@app.command("run")
def run(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit (for cron or systemd timers)."),
    json_: bool = JsonOption,
) -> None:
    """Run the scheduler until SIGTERM (running crawls are told to stop first)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = _open(ctx, sync=True)
    if not once:
        stop = threading.Event()
        _on_signals(lambda _signum, _frame: stop.set())
        service.serve(stop)
        return
    _on_signals(lambda _signum, _frame: threading.Thread(
        target=service.context.children.stop_all, args=(service.context.stop_grace,), daemon=True).start())
    try:
        runs = service.run_due()
    finally:
        service.close()
    document: list[dict[str, Any]] = [
        {"id": r.id, "scheduled_for": r.scheduled_for, "status": r.status, "error": r.error,
         "result": getattr(r.result, "status", None)}
        for r in runs
    ]
    if json_:
        emit_json(document)
        return
    if not runs:
        console.print("nothing due")
    for row in document:
        outcome = row["result"] or row["status"]
        console.print(f"{row['id']}  {outcome}{'  ' + row['error'] if row['error'] else ''}", markup=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    json_: bool = JsonOption,
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many jobs (table: 100)."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many jobs first."),
) -> None:
    """Every job with its next run time (a page of them with thousands of sources)."""
    service = _open(ctx, sync=False)
    page = limit if limit is not None or json_ else TABLE_PAGE
    try:
        jobs = service.jobs(offset=offset, limit=page)
    finally:
        service.close()
    rows: list[dict[str, Any]] = [{"id": j.id, "name": j.name, "schedule": j.schedule, "next_run_time": j.next_run_time} for j in jobs]
    if json_:
        emit_json(rows)
        return
    print_table(["job", "next run", "schedule"],
                ([escape(r["id"]), r["next_run_time"].isoformat(timespec="seconds") if r["next_run_time"] else "paused",
                  escape(r["schedule"])] for r in rows))
    total = len(service.specs)
    if len(rows) < total:
        console.print(f"jobs {offset + 1}–{offset + len(rows)} of {total} (--limit, --offset for more)", markup=False)
