"""``govarchive verify``: re-hash every stored object against the catalog."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from archive.verify import VerifyReport, verify_archive

from .output import JsonOption, console, emit_json, err_console, fail, print_table
from .reports import archive_errors, open_for_command


def _print(report: VerifyReport) -> None:
    console.print(
        f"{report.checked} objects checked in {report.store}: {report.ok} intact, "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt, {len(report.orphans)} orphans",
        markup=False,
    )
    problems = report.missing + report.corrupt
    if problems:
        print_table(
            ["problem", "key", "named by"],
            (
                [
                    p.problem,
                    p.key,
                    ", ".join(p.references) + (" …" if p.reference_count > len(p.references) else ""),
                ]
                for p in problems
            ),
        )


def verify(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Re-hash every object the catalog names; exit 1 when any is missing or corrupt."""
    archive = open_for_command(ctx)
    with archive_errors():
        if json_ or not err_console.is_terminal:
            report = verify_archive(archive.engine, archive.store)
        else:
            columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err_console, transient=True) as progress:
                task = progress.add_task("verify", total=None)
                report = verify_archive(
                    archive.engine,
                    archive.store,
                    on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
    if json_:
        emit_json(report.to_json())
    else:
        _print(report)
    if not report.passed:
        fail(f"{len(report.missing)} objects missing and {len(report.corrupt)} corrupt in {report.store}")
