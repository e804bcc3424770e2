"""Coverage: for every division and a year, whether its government's report is in the archive.

A division is *watched* when a source watches it (the source's division code, else its region or
title read as a division) or a report was attributed to it; ``published`` when its government's
report about the year is archived, ``missing`` when watched but not, ``unwatched`` otherwise.
``on_time``: the government's report was published (发布日期) by 31 March of the following year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from archive.attribution import DEPARTMENT, GOVERNMENT, source_division
from archive.catalog.models import Report, Source
from archive.divisions import Registry

STATUSES = ("published", "missing", "unwatched")
COLUMNS = ("code", "name", "level", "province", "government_report", "department_reports", "status",
           "reports", "published_on", "on_time")


def due_by(year: int) -> dt.date:
    """The last day a report about ``year`` is on time: 31 March of the following year."""
    return dt.date(year + 1, 3, 31)


@dataclass
class _Tally:
    government: list[tuple[int, dt.date | None]] = field(default_factory=list)
    departments: set[str] = field(default_factory=set)
    reports: set[int] = field(default_factory=set)


SourceFacts = tuple[str | None, str, str]  # (division_code, region, title) of a source definition


def watched_divisions(connection: Connection, reg: Registry) -> dict[str, list[int]]:
    """Division code → ids of the catalog's sources watching it (registry divisions only)."""
    out: dict[str, list[int]] = {}
    rows = connection.execute(
        select(col(Source.id), col(Source.division_code), col(Source.region), col(Source.title))
        .order_by(col(Source.name))
    ).all()
    for row in rows:
        code = source_division(reg, row.division_code, row.region, row.title)
        if code is not None and code in reg:
            out.setdefault(code, []).append(row.id)
    return out


def _tallies(engine: Engine, year: int) -> dict[str, _Tally]:
    statement = select(col(Report.id), col(Report.division_code), col(Report.publisher_kind),
                       col(Report.department), col(Report.pub_date)
                       ).where(col(Report.report_year) == year, col(Report.division_code).is_not(None))
    tallies: dict[str, _Tally] = {}
    with engine.connect() as connection:
        for row in connection.execute(statement):
            tally = tallies.setdefault(row.division_code, _Tally())
            if row.publisher_kind == GOVERNMENT:
                tally.government.append((row.id, row.pub_date))
                tally.reports.add(row.id)
            elif row.publisher_kind == DEPARTMENT:
                tally.departments.add(row.department or "")
                tally.reports.add(row.id)
    return tallies


def _attributed_divisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {code for (code,) in connection.execute(
            select(col(Report.division_code)).where(col(Report.division_code).is_not(None)).distinct())}


def coverage(
    engine: Engine,
    reg: Registry,
    *,
    year: int,
    province: str | None = None,
    level: str | None = None,
    sources: Iterable[SourceFacts] = (),
) -> dict[str, Any]:
    """``{"year": Y, "divisions": [row, …]}`` for every division (of ``province`` — a code — and
    ``level`` when given), rows in code order with the keys of COLUMNS.

    ``sources``: the defined (switched-on) sources, which watch their divisions before their
    first crawl puts them in the catalog.
    """
    with engine.connect() as connection:
        watched = set(watched_divisions(connection, reg))
    watched |= _attributed_divisions(engine)
    watched |= {code for facts in sources if (code := source_division(reg, *facts)) is not None}
    tallies = _tallies(engine, year)
    rows = []
    for division in reg:
        if province and division.province != province or level and division.level != level:
            continue
        tally = tallies.get(division.code, _Tally())
        dates = sorted(d for _, d in tally.government if d is not None)
        published_on = dates[0] if dates else None
        has_government = bool(tally.government)
        status = "published" if has_government else "missing" if division.code in watched else "unwatched"
        prov = reg.get(division.province)
        rows.append({
            "code": division.code,
            "name": division.name,
            "level": division.level,
            "province": prov.name if prov else "",
            "government_report": has_government,
            "department_reports": len(tally.departments),
            "status": status,
            "reports": sorted(tally.reports),
            "published_on": published_on.isoformat() if published_on else None,
            "on_time": (published_on <= due_by(year)) if published_on else None,
        })
    return {"year": year, "divisions": rows}


def summary(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts by status, plus how many published on time."""
    counts = dict.fromkeys((*STATUSES, "on_time"), 0)
    for row in rows:
        counts[row["status"]] += 1
        counts["on_time"] += bool(row["on_time"])
    return counts


def csv_rows(document: dict[str, Any]) -> Iterable[list[str]]:
    """The coverage as CSV rows (header first); report ids space-separated."""
    yield ["year", *COLUMNS]
    for row in document["divisions"]:
        cells = []
        for column in COLUMNS:
            value = row[column]
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append("" if value is None else str(value))
        yield [str(document["year"]), *cells]
