"""``govarchive diff ID``: what changed between two versions of a report."""

from __future__ import annotations

import typer

from archive import queries
from archive.diffs import TextDiff, render_text

from .context import archive_errors, open_for_command
from .output import JsonOption, console, emit_json


def diff(
    ctx: typer.Context,
    report_id: int = typer.Argument(..., metavar="ID", help="Report id."),
    from_: int | None = typer.Option(
        None, "--from", min=1, help="Older version (default: the one before --to)."
    ),
    to: int | None = typer.Option(None, "--to", min=1, help="Newer version (default: the current one)."),
    json_: bool = JsonOption,
) -> None:
    """What changed between two versions: sentences removed/added, characters within them."""
    archive = open_for_command(ctx)
    with archive_errors():
        document = queries.diff_versions(archive.engine, archive.store, report_id, from_, to)
    if json_:
        emit_json(document)
        return
    summary = document["summary"]
    console.print(
        f"report {report_id}: version {document['from']} → {document['to']}: "
        f"+{summary['chars_added']} / -{summary['chars_removed']} characters, "
        f"{summary['sentences_changed']} sentences in {summary['paragraphs_changed']} paragraphs",
        markup=False,
    )
    for name, change in document["metadata_changes"].items():
        console.print(f"  {name}: {change['from']!r} → {change['to']!r}", markup=False)
    console.print(render_text(TextDiff.from_json(document)), markup=False, end="")
