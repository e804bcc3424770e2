"""Server-rendered pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from alerts import OverdueSource, overdue_sources
from archive import queries as archive_queries
from archive.diffs import DiffOp, Part, TextDiff
from archive.timeutil import as_utc
from govarchive.config import Settings
from govarchive.i18n import gettext as _
from govarchive.web import queries
from govarchive.web.charts import bar_chart
from govarchive.web.diffview import diff_rows
from govarchive.web.search import SearchFilters
from govarchive.web.services import (
    crawl_processes,
    defined_sources,
    disabled_names,
    is_builtin_source,
    servable_check,
)
from govarchive.web.state import db_session, web_state

from .common import answer, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SOURCES_PAGE = 100
DASHBOARD_SOURCES = 20


def _stamp(value: Any) -> float:
    """A sortable number for a last-run time (ISO string or datetime); 0 when never run."""
    if not value:
        return 0.0
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return float(as_utc(value).timestamp())


def overdue(session: Session, settings: Settings, today: dt.date) -> list[OverdueSource]:
    """Sources whose report for last year has not appeared by the configured due date."""
    return overdue_sources(session, today, month_day=settings.alerts.overdue_month_day)


def all_sources(session: Session, settings: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(sources the catalog knows, defined sources never crawled)."""
    known = queries.sources_overview(session)
    names = {s["name"] for s in known}
    uncrawled = [
        {
            "name": name,
            "title": d.get("title", ""),
            "region": d.get("region", ""),
            "level": d.get("level", ""),
            "start_urls": d.get("start_urls", []),
            "status": "never run",
            "reports": 0,
        }
        for name, d in sorted(defined_sources(settings).items())
        if name not in names
    ]
    return known, uncrawled


def diff_from_json(doc: dict[str, Any]) -> TextDiff:
    """The ``TextDiff`` back from ``archive.queries.diff_versions``'s JSON ops."""
    ops = tuple(
        DiffOp(op["op"], op["old"], op["new"], tuple(Part(p["op"], p["text"]) for p in op.get("parts", ())))
        for op in doc["ops"]
    )
    return TextDiff(ops)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: Session = Depends(db_session)) -> Response:
    state = web_state(request)
    known, uncrawled = all_sources(session, state.settings)
    per_month = queries.reports_per_month(session)
    per_year = queries.reports_per_year(session)
    # thousands of sources: the dashboard shows those needing attention, then the latest run
    attention = sorted(known, key=lambda s: (s["status"] in ("ok", "never run"), s["last_run_at"] is None,
                                            -(_stamp(s["last_run_at"]))))
    return render(
        request,
        "dashboard.html",
        sources=attention[:DASHBOARD_SOURCES],
        more_sources=len(known) - min(len(known), DASHBOARD_SOURCES),
        uncrawled=uncrawled,
        totals=queries.totals(session),
        newest=archive_queries.list_reports(state.engine, limit=10, order="-first_seen"),
        changes=queries.latest_events(session, limit=10),
        overdue=overdue(session, state.settings, dt.date.today()),
        month_chart=bar_chart(
            per_month, title=_("Reports published per month"), label_every=max(1, -(-len(per_month) // 8))
        ),
        year_chart=bar_chart(per_year, title=_("Reports per report year"), width=320),
        runs=archive_queries.list_runs(state.engine, limit=5),
    )


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, page: int = Query(1, ge=1), session: Session = Depends(db_session)) -> Response:
    settings = web_state(request).settings
    known, uncrawled = all_sources(session, settings)
    every = known + uncrawled
    start = (page - 1) * SOURCES_PAGE
    return render(request, "sources.html", rows=every[start:start + SOURCES_PAGE], total=len(every), page=page,
                  pages=max(1, -(-len(every) // SOURCES_PAGE)), crawls=crawl_processes(),
                  disabled=disabled_names(settings))


@router.get("/sources/{name}", response_class=HTMLResponse)
def source_route(
    request: Request, name: str, page: int = Query(1, ge=1), session: Session = Depends(db_session)
) -> Response:
    return source_page(request, name, page, session)


def source_page(
    request: Request, name: str, page: int, session: Session, check: dict[str, Any] | None = None
) -> Response:
    """A source's page; ``check`` is a discovery result to show with it."""
    state = web_state(request)
    definitions = defined_sources(state.settings)
    overview = next((s for s in queries.sources_overview(session) if s["name"] == name), None)
    if overview is None and name not in definitions:
        raise HTTPException(status_code=404, detail=_("There is no source %(name)s.", name=repr(name)))
    definition = definitions.get(name) or {}
    detail = overview or {
        "name": name,
        "title": definition.get("title", ""),
        "status": "never run",
        "reports": 0,
    }
    total = archive_queries.count_reports(state.engine, source=name)
    return render(
        request,
        "source.html",
        source=detail,
        definition=definition,
        definition_text=json.dumps(definition, ensure_ascii=False, indent=2),
        reports=archive_queries.list_reports(
            state.engine, source=name, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, order="-last_changed"
        ),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        runs=archive_queries.list_runs(state.engine, source=name, limit=20),
        crawls=[c for c in crawl_processes() if name in c["sources"]],
        enabled=name not in disabled_names(state.settings),
        builtin=is_builtin_source(state.settings, name),
        check=check,
        edit_open=False,
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, source: str | None = None, year: str | None = None, page: int = Query(1, ge=1)
) -> Response:
    engine = web_state(request).engine
    year_number = int(year) if year and year.isdigit() else None
    total = archive_queries.count_reports(engine, source=source or None, year=year_number)
    reports = archive_queries.list_reports(
        engine,
        source=source or None,
        year=year_number,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        order="-last_changed",
    )
    return render(
        request,
        "reports.html",
        reports=reports,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        source=source or "",
        year=year_number,
    )


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request, report_id: int, version: int | None = None, session: Session = Depends(db_session)
) -> Response:
    state = web_state(request)
    detail = answer(lambda: archive_queries.get_report(state.engine, report_id))
    versions = detail["versions"]
    number = version if version is not None else (versions[-1]["number"] if versions else None)
    shown = next((v for v in versions if v["number"] == number), None)
    if version is not None and shown is None:
        raise HTTPException(
            status_code=404, detail=_("Report %(id)s has no version %(number)s.", id=report_id, number=version)
        )
    text = (
        answer(lambda: archive_queries.version_text(state.engine, state.store, report_id, number))
        if shown
        else ""
    )
    return render(
        request,
        "report.html",
        report=detail,
        source=queries.report_source(session, report_id),
        version=shown,
        text=text,
    )


@router.get("/reports/{report_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    report_id: int,
    from_: int | None = Query(None, alias="from", ge=1),
    to: int | None = Query(None, ge=1),
) -> Response:
    state = web_state(request)
    detail = answer(lambda: archive_queries.get_report(state.engine, report_id))
    diff = answer(lambda: archive_queries.diff_versions(state.engine, state.store, report_id, from_, to))
    by_number = {v["number"]: v for v in detail["versions"]}
    return render(
        request,
        "diff.html",
        report=detail,
        old=by_number[diff["from"]],
        new=by_number[diff["to"]],
        rows=diff_rows(diff_from_json(diff)),
        diff=diff,
    )


@router.get("/reports/{report_id}/versions/{number}/raw", response_class=HTMLResponse)
def raw_page(request: Request, report_id: int, number: int) -> Response:
    state = web_state(request)
    report = answer(lambda: archive_queries.get_report(state.engine, report_id))
    version = answer(lambda: archive_queries.get_version(state.engine, report_id, number))
    if not version["raw_key"]:
        raise HTTPException(status_code=404, detail=_("Version %(number)s has no raw capture.", number=number))
    return render(request, "raw.html", report=report, version=version, raw_url=f"/raw/{version['raw_key']}")


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = "",
    source: str = "",
    region: str = "",
    level: str = "",
    year: str = "",
    sort: str = "relevance",
    page: int = Query(1, ge=1),
    session: Session = Depends(db_session),
) -> Response:
    state = web_state(request)
    state.search.sync(max_batches=2)
    filters = SearchFilters(
        source=source or None,
        region=region or None,
        level=level or None,
        year=int(year) if year.strip().isdigit() else None,
    )
    result = (
        state.search.search(q, filters, limit=20, offset=(page - 1) * 20, sort=sort) if q.strip() else None
    )
    known = queries.sources_overview(session)
    return render(
        request,
        "search.html",
        q=q,
        filters=filters,
        result=result,
        sort=sort,
        page=page,
        pages=max(1, -(-(result.total if result else 0) // 20)),
        sources=known,
        regions=sorted({s["region"] for s in known if s["region"]}),
        levels=sorted({s["level"] for s in known if s["level"]}),
        years=[y for y, _ in queries.reports_per_year(session)],
    )


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, limit: int = Query(100, ge=1, le=1000)) -> Response:
    return render(
        request, "runs.html", runs=archive_queries.list_runs(web_state(request).engine, limit=limit)
    )


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, session: Session = Depends(db_session)) -> Response:
    from alerts.subscriptions import EVENT_KINDS

    return render(
        request,
        "alerts.html",
        subscriptions=queries.list_subscriptions(session),
        sources=queries.sources_overview(session),
        event_kinds=EVENT_KINDS,
    )


@router.get("/bundles", response_class=HTMLResponse)
def bundles_page(request: Request, session: Session = Depends(db_session)) -> Response:
    from archive.bundles import bundle_formats

    return render(
        request,
        "bundles.html",
        bundles=queries.list_bundles(web_state(request).engine, servable_check(web_state(request))),
        sources=queries.sources_overview(session),
        formats=bundle_formats(),
    )


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """The HTTP API, rendered from the OpenAPI schema (no external scripts)."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": "requestBody" in op,
                    "tags": op.get("tags", []),
                }
            )
    return render(request, "docs.html", operations=operations, schema=schema)


@router.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    state = web_state(request)
    return {"ok": True, "search_indexed_through": state.search.indexed_through()}
