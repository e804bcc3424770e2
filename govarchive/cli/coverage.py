"""``govarchive coverage``: which governments' reports for a year are in the archive."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import typer

from archive.coverage import SourceFacts, csv_rows, summary
from archive.coverage import coverage as compute
from archive.divisions import registry
from govarchive.watching import enabled_source_facts

from .context import archive_errors, get_settings, open_for_command
from .divisions import check_level, province_scope
from .output import JsonOption, console, emit_json, fail, print_table, usage_error

if TYPE_CHECKING:
    from archive.coverage import SourceFacts
    from govarchive.config import Settings


def defined_source_facts(settings: Settings) -> list[SourceFacts]:
    """(division_code, region, title) of every switched-on source definition."""
    from spiders.sources import SourceError

    try:
        return enabled_source_facts(settings)
    except SourceError as exc:
        fail(str(exc))


def default_year(today: dt.date | None = None) -> int:
    """Last year: the reports due this spring."""
    return (today or dt.date.today()).year - 1


def coverage(
    ctx: typer.Context,
    year: int | None = typer.Option(None, "--year", help="The year reported on (default: last year)."),
    province: str | None = typer.Option(None, "--province", help="Only this province (name or code)."),
    level: str | None = typer.Option(None, "--level", help="province | city | county."),
    json_: bool = JsonOption,
    csv_: bool = typer.Option(False, "--csv", help="CSV on stdout (UTF-8)."),
) -> None:
    """Every division: its government's report for the year (published / missing / unwatched), on time or
    not, and how many of its departments published one."""

    if json_ and csv_:
        usage_error("--json and --csv exclude each other")
    check_level(level)
    reg = registry()
    scope = province_scope(reg, province)
    year = year or default_year()
    archive = open_for_command(ctx)
    with archive_errors():
        document = compute(archive.engine, reg, year=year, province=scope.code if scope else None, level=level,
                           sources=defined_source_facts(get_settings(ctx)))
    if json_:
        emit_json(document)
        return
    if csv_:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows(csv_rows(document))
        sys.stdout.flush()
        return
    _print(document, by_province=scope is None)


def _print(document: dict[str, Any], *, by_province: bool) -> None:

    rows = document["divisions"]
    totals = summary(rows)
    if by_province:
        provinces: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            provinces.setdefault(row["province"], []).append(row)
        print_table(["province", "divisions", "published", "on time", "missing", "unwatched"],
                    ([name, len(group), *(summary(group)[k] for k in ("published", "on_time", "missing", "unwatched"))]
                     for name, group in provinces.items()),
                    title=f"coverage of {document['year']} reports")
    else:
        print_table(["code", "name", "level", "status", "published", "on time", "departments", "reports"],
                    ([r["code"], r["name"], r["level"], r["status"], r["published_on"] or "",
                      {True: "yes", False: "no", None: ""}[r["on_time"]], r["department_reports"],
                      " ".join(map(str, r["reports"]))] for r in rows),
                    title=f"coverage of {document['year']} reports")
    console.print(f"{len(rows)} divisions: {totals['published']} published ({totals['on_time']} on time), "
                  f"{totals['missing']} missing, {totals['unwatched']} unwatched", markup=False)
