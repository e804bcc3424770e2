"""Forms that change state: login, sources, crawls, bundles, subscriptions.

Every change needs a logged-in user (or an API token) and, with a session, the CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from govarchive.i18n import N_, normalise_language
from govarchive.i18n import gettext as _
from govarchive.web.auth import CSRF_FIELD, Identity, new_session
from govarchive.web.services import (
    ActionError,
    add_source,
    add_subscription,
    change_source,
    check_source,
    create_bundle,
    remove_subscription,
    save_source,
    start_crawl,
    test_subscription,
)
from govarchive.web.state import LANGUAGE_COOKIE, check_csrf, db_session, require_user, web_state
from govarchive.web.users import UserError, add_user, authenticate, has_users

from .common import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def _back(path: str, message: str, kind: str = "ok") -> RedirectResponse:
    return RedirectResponse(f"{path}?{kind}={quote(message)}", status_code=303)


def _login_page(request: Request, next_: str, error: str | None = None, status_code: int = 200) -> Response:
    state = web_state(request)
    return render(request, "login.html", status_code=status_code, next=_safe_next(next_), error=error,
                  has_users=has_users(state.engine, state.users), setup_open=state.setup_token is not None)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002
    return _login_page(request, next)


@router.get("/language/{code}")
def choose_language(code: str, next: str = "/") -> Response:  # noqa: A002
    """Remember the reader's language in a cookie (a year), then go back."""
    language = normalise_language(code)
    if language is None:
        raise HTTPException(status_code=404, detail=f"no language {code!r}")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def _setup_allowed(request: Request, token: str) -> None:
    state = web_state(request)
    if (
        state.setup_token is None
        or has_users(state.engine, state.users)
        or not secrets.compare_digest(token.encode(), state.setup_token.encode())
    ):
        raise HTTPException(status_code=404, detail=_("There is no first-run setup to do here."))


@router.get("/setup")
def setup_form(request: Request, token: str = "") -> Response:
    """The one-time page that creates the first administrator (its link is printed by ``serve``)."""
    _setup_allowed(request, token)
    return render(request, "setup.html", token=token, error=None)


@router.post("/setup")
def setup(
    request: Request,
    token: str = Form(""),
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form("", alias=CSRF_FIELD),
) -> Response:
    _setup_allowed(request, token)
    if csrf_token != request.state.session.csrf:
        raise HTTPException(status_code=403, detail=_("The form expired: reload it and retry."))
    state = web_state(request)
    try:
        add_user(state.engine, state.users, username.strip(), password, admin=True)
    except UserError as exc:
        return render(request, "setup.html", status_code=422, token=token, error=str(exc))
    state.setup_token = None
    request.state.session = new_session(user=username.strip())
    request.state.session_dirty = True
    return _back("/sources", _("Administrator %(name)s created; you are logged in.", name=username.strip()))


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
        raise HTTPException(status_code=403, detail=_("The form expired: reload it and retry."))
    if authenticate(state.engine, state.users, username, password) is None:
        return _login_page(request, next, _("Wrong name or password."), status_code=401)
    request.state.session = new_session(user=username)  # a fresh session id and CSRF token
    request.state.session_dirty = True
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    if csrf_token != request.state.session.csrf:
        raise HTTPException(status_code=403, detail=_("The form expired: reload it and retry."))
    request.state.session = new_session()
    request.state.session_dirty = True
    return RedirectResponse("/", status_code=303)


def _source_fields(
    source_name: str = Form("", alias="name"),
    start_urls: str = Form(""),
    title: str = Form(""),
    region: str = Form(""),
    level: str = Form(""),
    match: str = Form(""),
    render_mode: str = Form("auto"),
    schedule: str = Form(""),
) -> dict[str, Any]:
    return {"name": source_name, "start_urls": start_urls.split(), "title": title, "region": region, "level": level,
            "match": match, "render": render_mode, "schedule": schedule}


@router.post("/sources")
def add_source_form(
    request: Request,
    identity: Identity = Depends(require_user),
    fields: dict[str, Any] = Depends(_source_fields),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        added = add_source(web_state(request).settings, session, **fields)
    except ActionError as exc:
        return _back("/sources", _("Source not added: %(reason)s", reason=str(exc)), "error")
    return _back(f"/sources/{added['name']}", _("Source %(name)s added.", name=added["name"]))


@router.post("/sources/{name}/edit")
def edit_source_form(
    request: Request,
    name: str,
    identity: Identity = Depends(require_user),
    fields: dict[str, Any] = Depends(_source_fields),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        save_source(web_state(request).settings, session, **{**fields, "name": name}, replace=True)
    except ActionError as exc:
        return _back(f"/sources/{name}", _("Source not saved: %(reason)s", reason=str(exc)), "error")
    return _back(f"/sources/{name}", _("Source %(name)s saved.", name=name))


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
        return _back(f"/sources/{name}", _("Crawl not started: %(reason)s", reason=str(exc)), "error")
    return _back(f"/sources/{name}", _("Crawl started (process %(pid)s).", pid=started["pid"]))


@router.post("/sources/{name}/check")
def check_form(
    request: Request,
    name: str,
    identity: Identity = Depends(require_user),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    """Discovery only; the source page shows what a crawl would archive."""
    check_csrf(request, identity, csrf_token)
    from .pages import source_page

    try:
        result = check_source(web_state(request).settings, name)
    except ActionError as exc:
        return _back(f"/sources/{name}", _("Check failed: %(reason)s", reason=str(exc)), "error")
    return source_page(request, name, page=1, session=session, check=result)


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
        return _back("/bundles", _("Bundle not created: %(reason)s", reason=str(exc)), "error")
    return _back("/bundles", _("Bundle %(id)s created.", id=bundle.id))


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
        return _back("/alerts", _("Subscription not added: %(reason)s", reason=str(exc)), "error")
    return _back("/alerts", _("Subscription %(id)s added.", id=sub.id))


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
        return _back("/alerts", _("There is no active subscription %(id)s.", id=subscription_id), "error")
    return _back("/alerts", _("Subscription %(id)s removed.", id=subscription_id))


@router.post("/alerts/{subscription_id}/test")
def test_subscription_form(
    request: Request,
    subscription_id: int,
    identity: Identity = Depends(require_user),
    csrf_token: str = Form("", alias=CSRF_FIELD),
    session: Session = Depends(db_session),
) -> Response:
    check_csrf(request, identity, csrf_token)
    try:
        channel = test_subscription(session, web_state(request).settings, subscription_id)
    except ActionError as exc:
        return _back("/alerts", _("Test message not delivered: %(reason)s", reason=str(exc)), "error")
    return _back("/alerts", _("Test message sent to %(channel)s.", channel=channel))


SOURCE_ACTIONS = {"enable": N_("Source %(name)s enabled."), "disable": N_("Source %(name)s disabled."),
                  "remove": N_("Source %(name)s removed; its archived reports stay.")}


@router.post("/sources/{name}/{action}")
def change_source_form(
    request: Request,
    name: str,
    action: str,
    identity: Identity = Depends(require_user),
    csrf_token: str = Form("", alias=CSRF_FIELD),
) -> Response:
    check_csrf(request, identity, csrf_token)
    if action not in SOURCE_ACTIONS:
        raise HTTPException(status_code=404, detail=f"no action {action!r}")
    try:
        change_source(web_state(request).settings, action, name)
    except ActionError as exc:
        return _back(f"/sources/{name}", str(exc), "error")
    return _back("/sources" if action == "remove" else f"/sources/{name}", _(SOURCE_ACTIONS[action], name=name))
