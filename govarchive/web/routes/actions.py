"""Forms that change state: login, sources, crawls, bundles, subscriptions.

Every change needs a logged-in user (or an API token) and, with a session, the CSRF token.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from govarchive.web.auth import CSRF_FIELD, Identity, check_password, new_session
from govarchive.web.services import (
    ActionError,
    add_source,
    add_subscription,
    create_bundle,
    remove_subscription,
    start_crawl,
)
from govarchive.web.state import check_csrf, db_session, require_user, web_state

from .common import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def _back(path: str, message: str, kind: str = "ok") -> RedirectResponse:
    return RedirectResponse(f"{path}?{kind}={quote(message)}", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),  # noqa: A002
    csrf_token: str = Form("", alias=CSRF_FIELD),
) -> Response:
    state = web_state(request)
    if csrf_token != request.state.session.csrf:
        raise HTTPException(status_code=403, detail="the login form expired: reload it and retry")
    stored = state.users.get(username)
    if stored is None or not check_password(stored, password):
        return render(
            request, "login.html", status_code=401, next=_safe_next(next), error="wrong name or password"
        )
    request.state.session = new_session(user=username)  # a fresh session id and CSRF token
    request.state.session_dirty = True
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    if csrf_token != request.state.session.csrf:
        raise HTTPException(status_code=403, detail="missing or wrong csrf_token")
    request.state.session = new_session()
    request.state.session_dirty = True
    return RedirectResponse("/", status_code=303)


@router.post("/sources")
def add_source_form(
    request: Request,
    identity: Identity = Depends(require_user),
    name: str = Form(...),
    start_urls: str = Form(...),
    title: str = Form(""),
    region: str = Form(""),
    level: str = Form(""),
    match: str = Form(""),
    render_mode: str = Form("auto"),
    schedule: str = Form(""),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        added = add_source(
            web_state(request).settings,
            session,
            name=name,
            start_urls=start_urls.split(),
            title=title,
            region=region,
            level=level,
            match=match,
            render=render_mode,
            schedule=schedule,
        )
    except ActionError as exc:
        return _back("/sources", str(exc), "error")
    return _back(f"/sources/{added['name']}", f"source {added['name']} added")


@router.post("/sources/{name}/crawl")
def crawl_form(
    request: Request,
    name: str,
    identity: Identity = Depends(require_user),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    from .pages import all_sources

    known, uncrawled = all_sources(session, web_state(request).settings)
    try:
        started = start_crawl(web_state(request).settings, [name], [s["name"] for s in known + uncrawled])
    except ActionError as exc:
        return _back(f"/sources/{name}", str(exc), "error")
    return _back(f"/sources/{name}", f"crawl started (pid {started['pid']})")


@router.post("/bundles")
def create_bundle_form(
    request: Request,
    identity: Identity = Depends(require_user),
    as_of: str = Form(""),
    since: str = Form(""),
    since_bundle: str = Form(""),
    sources: list[str] = Form(default_factory=list),
    include: list[str] = Form(default_factory=lambda: ["text"]),
    fmt: str = Form("zip", alias="format"),
    csrf_token: str = Form("", alias=CSRF_FIELD),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        bundle = create_bundle(
            web_state(request),
            as_of=as_of,
            since=since,
            since_bundle=int(since_bundle) if since_bundle.strip().isdigit() else None,
            sources=[s for s in sources if s],
            include=include,
            fmt=fmt,
        )
    except ActionError as exc:
        return _back("/bundles", str(exc), "error")
    return _back("/bundles", f"bundle {bundle.id} created")


@router.post("/alerts")
def add_subscription_form(
    request: Request,
    identity: Identity = Depends(require_user),
    url: str = Form(...),
    source: str = Form(""),
    region: str = Form(""),
    level: str = Form(""),
    keyword: str = Form(""),
    events: list[str] = Form(default_factory=lambda: ["new", "changed", "removed"]),
    digest: str = Form("immediate"),
    label: str = Form(""),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        sub = add_subscription(
            session,
            url=url,
            source=source,
            region=region,
            level=level,
            keyword=keyword,
            events=events,
            digest=digest,
            label=label,
        )
    except ActionError as exc:
        return _back("/alerts", str(exc), "error")
    return _back("/alerts", f"subscription {sub.id} added")


@router.post("/alerts/{subscription_id}/remove")
def remove_subscription_form(
    request: Request,
    subscription_id: int,
    identity: Identity = Depends(require_user),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    if not remove_subscription(session, subscription_id):
        return _back("/alerts", f"no active subscription {subscription_id}", "error")
    return _back("/alerts", f"subscription {subscription_id} removed")
