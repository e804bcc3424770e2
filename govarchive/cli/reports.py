"""``govarchive reports list|show``: what the archive holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from archive import queries

from .context import archive_errors, open_for_command
from .output import JsonOption, console, emit_json, fail, print_table

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Archived reports: list them, show one with its versions.", no_args_is_help=True)


def _day(value: str | None) -> str:
    return (value or "")[:10]


def _division_code(query: str | None) -> str | None:
    if query is None:
        return None
    from archive.divisions import DivisionError, registry

    try:
        return registry().lookup(query).code
    except DivisionError as exc:
        fail(f"--division: {exc}")


def whose(row: dict[str, Any]) -> str:
    """``民勤县`` / ``民勤县 司法局``: the division and, for a department, its name."""
    from archive.divisions import registry

    division = registry().get(row.get("division_code") or "")
    if division is None:
        return ""
    return f"{division.name} {row['department']}" if row.get("department") else division.name


@app.command("list")
def list_reports(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--source", help="Only this source's reports."),
    year: int | None = typer.Option(None, "--year", help="Only reports about this year."),
    division: str | None = typer.Option(None, "--division", help="Only this division's reports (code or name)."),
    json_: bool = JsonOption,
) -> None:
    """Every archived report (id, source, year, whose, title, versions)."""
    code = _division_code(division)
    archive = open_for_command(ctx)
    with archive_errors():
        if source is not None and not queries.source_exists(archive.engine, source):
            fail(f"no source {source!r}")
        rows = queries.list_reports(archive.engine, source=source, year=year, division=code)
    if json_:
        emit_json(rows)
        return
    if not rows:
        console.print("no reports")
        return
    print_table(
        ["id", "source", "year", "whose", "published", "title", "versions", "last changed", "status"],
        (
            [
                r["id"],
                r["source"],
                r["report_year"],
                whose(r),
                r["pub_date"],
                r["title"],
                r["versions"],
                _day(r["last_changed"]),
                r["status"],
            ]
            for r in rows
        ),
    )


@app.command("show")
def show_report(
    ctx: typer.Context,
    report_id: int = typer.Argument(..., metavar="ID", help="Report id (see 'reports list')."),
    json_: bool = JsonOption,
    text: bool = typer.Option(False, "--text", help="Print the archived text."),
    version: int | None = typer.Option(None, "--version", min=1, help="Version number (default: current)."),
) -> None:
    """One report with its URLs and versions; ``--text`` prints the archived text."""
    archive = open_for_command(ctx)
    with archive_errors():
        document = queries.get_report(archive.engine, report_id)
        chosen = queries.get_version(archive.engine, report_id, version) if version is not None else None
        body = queries.version_text(archive.engine, archive.store, report_id, version) if text else None
    if json_:
        if chosen is not None:
            document["selected_version"] = chosen
        if body is not None:
            document["text"] = body
            document["text_version"] = version or document["versions"][-1]["number"]
        emit_json(document)
        return
    if body is not None:
        typer.echo(body, nl=not body.endswith("\n"))
        return
    _print_report(document)
    if chosen is not None:
        _print_version(chosen)


def _print_report(document: dict[str, Any]) -> None:
    if document.get("division_code"):
        from archive.divisions import registry

        kind = document.get("department") or document.get("publisher_kind") or ""
        name = registry().full_name(document["division_code"])
        document = {**document, "division": f"{document['division_code']} {name} ({kind})"}
    console.print(
        f"[bold]{escape(document['title'])}[/bold]  (report {document['id']}, {document['status']})"
    )
    for label, key in (
        ("source", "source"),
        ("publisher", "publisher"),
        ("published", "pub_date"),
        ("report year", "report_year"),
        ("division", "division"),
        ("index no", "index_no"),
        ("doc no", "doc_no"),
        ("url", "url"),
        ("first seen", "first_seen"),
        ("last changed", "last_changed"),
    ):
        if document.get(key) is not None:
            console.print(f"{label:>13}: {document[key]}", markup=False)
    for url in (u["url"] for u in document["urls"] if u["url"] != document["url"]):
        console.print(f"{'also at':>13}: {url}", markup=False)
    print_table(
        ["version", "first seen", "last seen", "+chars", "-chars", "attachments"],
        (
            [
                v["number"],
                _day(v["first_seen"]),
                _day(v["last_seen"]),
                v["chars_added"],
                v["chars_removed"],
                len(v["attachments"]),
            ]
            for v in document["versions"]
        ),
    )


def _print_version(version: dict[str, Any]) -> None:
    console.print(
        f"\nversion {version['number']} (first seen {version['first_seen']}, at {version['url']})",
        markup=False,
    )
    for name, value in version["metadata"].items():
        if value is not None:
            console.print(f"{name:>13}: {value}", markup=False)
    for attachment in version["attachments"]:
        console.print(
            f"{'attachment':>13}: {attachment['name']} ({attachment['type']}, {attachment['text_status']}"
            + (f", {attachment['text_source']}" if attachment.get("text_source") else "") + ")",
            markup=False,
        )


@app.command("attribute")
def attribute_reports(ctx: typer.Context, json_: bool = JsonOption) -> None:
    """Attribute every report again (division, government or department) with the current rules."""
    from archive.catalog.attribute import attribute_reports as run
    from archive.divisions import registry

    archive = open_for_command(ctx)
    with archive_errors(), archive.engine.begin() as connection:
        result = run(connection, registry())
    if json_:
        emit_json(result)
        return
    console.print(f"{result['reports']} reports: {result['attributed']} attributed to a division, "
                  f"{result['changed']} changed", markup=False)
