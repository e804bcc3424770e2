"""``govarchive verify``: re-hash every stored object against the catalog."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from archive.verify import VerifyReport, verify_archive

from .context import archive_errors, open_for_command
from .output import JsonOption, console, emit_json, err_console, fail


def _print(report: VerifyReport) -> None:
    console.print(
        f"{report.checked} objects checked in {report.store}: {report.ok} intact, "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt, {len(report.orphans)} orphans",
        markup=False,
    )
    for problem in report.missing + report.corrupt:
        more = (
            f" and {problem.reference_count - len(problem.references)} more"
            if problem.reference_count > len(problem.references)
            else ""
        )
        console.print(
            f"{problem.problem:>8} {problem.key}  named by {', '.join(problem.references)}{more}",
            markup=False,
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
