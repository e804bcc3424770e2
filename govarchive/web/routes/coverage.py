"""The coverage page (map, per-province tables, CSV download) and ``/api/coverage``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from archive.coverage import coverage, csv_rows, summary
from archive.divisions import LEVELS, DivisionError, registry
from govarchive.i18n import gettext as _
from govarchive.watching import enabled_source_facts
from govarchive.web.coveragemap import COLOURS, LEGEND, colour_key, coverage_map
from govarchive.web.state import web_state

from .common import render

router = APIRouter()


def _document(request: Request, year: int | None, province: str | None, level: str | None) -> dict[str, Any]:
    from spiders.sources import SourceError

    if level and level not in LEVELS:
        raise HTTPException(status_code=422, detail=f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    reg = registry()
    scope = None
    if province:
        try:
            scope = reg.lookup(province, level="province")
        except DivisionError as exc:
            raise HTTPException(status_code=422, detail=f"province: {exc}") from None
    state = web_state(request)
    try:
        facts = enabled_source_facts(state.settings)
    except SourceError:
        facts = []  # a broken source file must not hide the coverage of what was crawled
    return coverage(state.engine, reg, year=year or dt.date.today().year - 1,
                    province=scope.code if scope else None, level=level or None, sources=facts)


@router.get("/api/coverage", tags=["api"], summary="Coverage of a year's reports per division (the CLI's `coverage --json`)")
def api_coverage(
    request: Request,
    year: int | None = Query(None, ge=2000, le=2100, description="year reported on (default: last year)"),
    province: str | None = Query(None, description="province name or code"),
    level: str | None = Query(None, description="province / city / county"),
) -> dict[str, Any]:
    return _document(request, year, province, level)


@router.get("/coverage.csv", include_in_schema=False)
def coverage_csv(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                 province: str | None = None, level: str | None = None) -> Response:
    document = _document(request, year, province, level)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # spreadsheet programs read the Chinese correctly with a byte-order mark
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(document))
    name = f"coverage-{document['year']}.csv"
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                  province: str | None = None, level: str | None = None) -> Response:
    document = _document(request, year, province or None, level or None)
    rows = document["divisions"]
    reg = registry()
    provinces: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        provinces.setdefault(row["province"], []).append({**row, "colour": colour_key(row)})
    groups = [{"name": name, "rows": group, "summary": summary(group),
               "watched": [r for r in group if r["status"] != "unwatched"]} for name, group in provinces.items()]
    query = "&".join(f"{k}={v}" for k, v in (("year", document["year"]), ("province", province or ""),
                                               ("level", level or "")) if v)
    this_year = dt.date.today().year
    return render(
        request, "coverage.html", year=document["year"], province=province or "", level=level or "",
        years=list(range(this_year - 1, this_year - 9, -1)), levels=LEVELS, legend=LEGEND, colours=COLOURS,
        totals=summary(rows), groups=groups, csv_query=query,
        provinces=[d.name for d in reg if d.level == "province"],
        map=coverage_map(rows, reg, title=_("Coverage of the reports on %(year)s", year=document["year"])),
    )
