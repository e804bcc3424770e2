"""The JSON API under ``/api``: the CLI's ``--json`` field names, paginated, cursor for changes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from archive import queries as archive_queries
from govarchive.web import queries
from govarchive.web.auth import Identity
from govarchive.web.search import SearchFilters
from govarchive.web.services import (
    ActionError,
    add_source,
    add_subscription,
    crawl_processes,
    create_bundle,
    defined_sources,
    remove_subscription,
    servable_check,
    start_crawl,
)
from govarchive.web.state import check_csrf, db_session, require_user, web_state

from .common import answer

router = APIRouter(prefix="/api", tags=["api"])
MAX_LIMIT = 500


def page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
    }


def writer(request: Request, identity: Identity = Depends(require_user)) -> Identity:
    """An authenticated caller; with a session cookie the ``X-CSRF-Token`` header is needed too."""
    check_csrf(request, identity, None)
    return identity


def _unprocessable(exc: ActionError) -> HTTPException:
    return HTTPException(status_code=422, detail=str(exc))


# Sources and runs -------------------------------------------------------------------------


@router.get("/sources", summary="Every source with status, report count and last run")
def api_sources(request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    from .pages import all_sources

    known, uncrawled = all_sources(session, web_state(request).settings)
    items = known + uncrawled
    return {"items": items, "total": len(items)}


@router.get("/sources/{name}", summary="One source: status, counts, latest run and definition")
def api_source(name: str, request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    from .pages import all_sources

    known, uncrawled = all_sources(session, web_state(request).settings)
    found = next((s for s in known + uncrawled if s["name"] == name), None)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no source {name!r}")
    found["definition"] = defined_sources(web_state(request).settings).get(name)
    return found


class SourceIn(BaseModel):
    name: str = Field(description="lower-case letters, digits, - _ .")
    start_urls: list[str] = Field(min_length=1, description="column/list page URLs")
    title: str = ""
    region: str = ""
    level: str = ""
    match: str | None = Field(None, description="regular expression report titles must match")
    render: Literal["never", "auto", "always"] = "auto"
    schedule: str | None = Field(None, description="cron expression")


@router.post("/sources", status_code=201, summary="Add a source (writes its TOML into the home)")
def api_add_source(
    body: SourceIn, request: Request, _who: Identity = Depends(writer), session: Session = Depends(db_session)
) -> dict[str, Any]:
    try:
        return add_source(web_state(request).settings, session, **body.model_dump())
    except ActionError as exc:
        raise _unprocessable(exc) from None


@router.post(
    "/sources/{name}/crawl", status_code=202, summary="Start `govarchive crawl NAME` in the background"
)
def api_crawl(
    name: str, request: Request, _who: Identity = Depends(writer), session: Session = Depends(db_session)
) -> dict[str, Any]:
    from .pages import all_sources

    known, uncrawled = all_sources(session, web_state(request).settings)
    try:
        return start_crawl(web_state(request).settings, [name], [s["name"] for s in known + uncrawled])
    except ActionError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get("/crawls", summary="Crawls this server started")
def api_crawls() -> dict[str, Any]:
    items = crawl_processes()
    return {"items": items, "total": len(items)}


@router.get("/runs", summary="Crawl runs, newest first, with per-source statistics")
def api_runs(
    request: Request, source: str | None = None, limit: int = Query(50, ge=1, le=MAX_LIMIT)
) -> dict[str, Any]:
    items = archive_queries.list_runs(web_state(request).engine, limit=limit, source=source)
    return {"items": items, "total": len(items), "limit": limit}


# Reports ------------------------------------------------------------------------------------


@router.get("/reports", summary="Reports (the CLI's `reports list --json` items), newest change first")
def api_reports(
    request: Request,
    source: str | None = None,
    year: int | None = None,
    status: Literal["active", "removed"] | None = None,
    order: Literal["id", "-last_changed", "-pub_date", "-first_seen"] = "-last_changed",
    division: str | None = Query(None, pattern=r"^\d{6}$", description="division code (GB/T 2260)"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    engine = web_state(request).engine
    items = archive_queries.list_reports(
        engine, source=source, year=year, status=status, limit=limit, offset=offset, order=order, division=division
    )
    total = archive_queries.count_reports(engine, source=source, year=year, status=status, division=division)
    return page(items, total, limit, offset)


@router.get("/reports/{report_id}", summary="One report with its metadata, URLs and versions")
def api_report(report_id: int, request: Request) -> dict[str, Any]:
    return answer(lambda: archive_queries.get_report(web_state(request).engine, report_id))


@router.get("/reports/{report_id}/versions", summary="The versions of a report, oldest first")
def api_versions(report_id: int, request: Request) -> dict[str, Any]:
    items = answer(lambda: archive_queries.list_versions(web_state(request).engine, report_id))
    return {"report_id": report_id, "items": items, "total": len(items)}


@router.get("/reports/{report_id}/versions/{number}", summary="One version with its archived text")
def api_version(report_id: int, number: int, request: Request) -> dict[str, Any]:
    state = web_state(request)
    doc = answer(lambda: archive_queries.get_version(state.engine, report_id, number))
    doc["report_id"] = report_id
    doc["text"] = answer(lambda: archive_queries.version_text(state.engine, state.store, report_id, number))
    return doc


@router.get(
    "/reports/{report_id}/diff", summary="What changed between two versions (sentences, then characters)"
)
def api_diff(
    report_id: int,
    request: Request,
    from_: int | None = Query(None, alias="from", ge=1, description="older version (default: to - 1)"),
    to: int | None = Query(None, ge=1, description="newer version (default: the current one)"),
) -> dict[str, Any]:
    state = web_state(request)
    return answer(lambda: archive_queries.diff_versions(state.engine, state.store, report_id, from_, to))


# Search and changes -------------------------------------------------------------------------


@router.get("/search", summary="Full-text search over report titles and texts (Chinese works)")
def api_search(
    request: Request,
    q: str = Query(..., min_length=1, description="terms separated by spaces; all must occur"),
    source: str | None = None,
    region: str | None = None,
    level: str | None = None,
    year: int | None = None,
    sort: Literal["relevance", "newest"] = Query(
        "relevance", description="relevance ranks queries with fewer than 1,000 matches; more are listed newest first"
    ),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    state = web_state(request)
    state.search.sync(max_batches=2)
    result = state.search.search(
        q,
        SearchFilters(source=source, region=region, level=level, year=year),
        limit=limit,
        offset=offset,
        sort=sort,
    )
    items = [
        {
            "id": hit.report_id,
            "source": hit.source,
            "url": hit.url,
            "title": hit.title,
            "publisher": hit.publisher,
            "pub_date": queries.iso(hit.pub_date) if not isinstance(hit.pub_date, str) else hit.pub_date,
            "report_year": hit.report_year,
            "status": hit.status,
            "snippet": hit.snippet,
        }
        for hit in result.hits
    ]
    doc = page(items, result.total, limit, offset)
    doc.update(
        {
            "query": q,
            "terms": result.terms,
            "total_is_exact": result.total_is_exact,
            "sort": result.sort,
            "indexed_through": result.indexed_through,
        }
    )
    return doc


@router.get(
    "/changes",
    summary="Every new, changed, removed (and restored) version after a cursor, in order",
    description="Start with `after=0`; pass the returned `next_cursor` (an event id) to get what came since.",
)
def api_changes(
    request: Request,
    after: int = Query(0, ge=0, description="cursor: the last event id already seen (0 = from the start)"),
    limit: int = Query(100, ge=1, le=1000),
    source: str | None = None,
) -> dict[str, Any]:
    items = archive_queries.events_after(
        web_state(request).engine, after, limit=limit, kinds=queries.CHANGE_KINDS, source=source
    )
    next_cursor = items[-1]["id"] if items else after
    return {"items": items, "next_cursor": next_cursor, "has_more": len(items) == limit}


# Bundles and subscriptions ------------------------------------------------------------------


@router.get("/bundles", summary="Bundles that were created, newest first")
def api_bundles(request: Request) -> dict[str, Any]:
    items = queries.list_bundles(web_state(request).engine, servable_check(web_state(request)))
    return {"items": items, "total": len(items)}


BundlePart = Literal["text", "raw", "attachments", "warc"]


class BundleIn(BaseModel):
    as_of: str | None = Field(None, description="YYYY-MM-DD: the archive as it was at the end of that day")
    since: str | None = Field(None, description="YYYY-MM-DD: only what changed after this day")
    since_bundle: int | None = Field(None, description="only what changed after this bundle")
    sources: list[str] = Field(default_factory=list)
    region: str | None = Field(None, description="sources whose region starts with this")
    year: int | None = Field(None, description="reports of this report year")
    include: list[BundlePart] = Field(default_factory=lambda: list[BundlePart](["text"]))
    format: str = Field("zip", description="a registered bundle format (archive.bundles.formats): zip, tar, wacz …")


@router.post("/bundles", status_code=201, summary="Create a bundle (BagIt zip / tar, or WACZ)")
def api_create_bundle(body: BundleIn, request: Request, _who: Identity = Depends(writer)) -> dict[str, Any]:
    try:
        bundle = create_bundle(
            web_state(request),
            as_of=body.as_of,
            since=body.since,
            since_bundle=body.since_bundle,
            sources=body.sources,
            region=body.region,
            year=body.year,
            include=body.include,
            fmt=body.format,
        )
    except ActionError as exc:
        raise _unprocessable(exc) from None
    return queries.bundle_json(bundle)


@router.get("/subscriptions", summary="Subscriptions (channel URLs masked) with delivery counts")
def api_subscriptions(session: Session = Depends(db_session)) -> dict[str, Any]:
    items = queries.list_subscriptions(session)
    return {"items": items, "total": len(items)}


class SubscriptionIn(BaseModel):
    url: str = Field(description="Apprise URL: mailto://, json://, dingtalk:// …")
    source: str | None = None
    region: str | None = None
    level: str | None = None
    keyword: str | None = None
    events: list[str] = Field(default_factory=lambda: ["new", "changed", "removed"])
    digest: Literal["immediate", "daily"] = "immediate"
    label: str = ""


@router.post(
    "/subscriptions", status_code=201, summary="Subscribe a channel to new / changed / removed reports"
)
def api_add_subscription(
    body: SubscriptionIn, _who: Identity = Depends(writer), session: Session = Depends(db_session)
) -> dict[str, Any]:
    try:
        sub = add_subscription(session, **body.model_dump())
    except ActionError as exc:
        raise _unprocessable(exc) from None
    return queries.subscription_json(sub)


@router.delete("/subscriptions/{subscription_id}", summary="Remove (deactivate) a subscription")
def api_remove_subscription(
    subscription_id: int, _who: Identity = Depends(writer), session: Session = Depends(db_session)
) -> dict[str, Any]:
    if not remove_subscription(session, subscription_id):
        raise HTTPException(status_code=404, detail=f"no active subscription {subscription_id}")
    return {"id": subscription_id, "active": False}
