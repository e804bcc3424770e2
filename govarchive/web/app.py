"""The FastAPI application: pages, JSON API, feeds and downloads over one catalog and store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from govarchive.i18n import gettext as _
from govarchive.i18n import negotiate, normalise_language, set_language

from .auth import SESSION_COOKIE, Identity, SessionSigner, load_secret_key, new_session, token_identity
from .search import open_search_index
from .state import LANGUAGE_COOKIE, WebState, can_change, csrf_token, current_identity
from .templating import install_filters
from .users import find_account, has_users

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from archive.storage import BlobStore
    from govarchive.config import Settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# Paths reachable without a login even when reading is private.
OPEN_PREFIXES = ("/login", "/static/", "/healthz", "/setup", "/language/")
SEARCH_SYNC_SECONDS = 5.0


def open_backends(settings: Settings) -> tuple[Engine, BlobStore]:
    """The catalog engine (migrated) and object store that ``settings`` name."""
    from archive.catalog.database import create_catalog_engine, init_catalog
    engine = create_catalog_engine(settings.catalog_url)
    init_catalog(engine)
    return engine, settings.store_options().open()


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    store: BlobStore | None = None,
    background_sync: bool = True,
) -> FastAPI:
    """The web app over the archive that ``settings`` describe (or the given engine and store)."""
    if engine is None or store is None:
        engine, store = open_backends(settings)
    loaded_store = store

    def load_text(key: str) -> str:
        return loaded_store.get_bytes(key).decode("utf-8", "replace")

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    install_filters(templates.env)
    state = WebState(
        settings=settings,
        engine=engine,
        store=store,
        search=open_search_index(engine, load_text),
        signer=SessionSigner(
            load_secret_key(
                settings.web.secret_key.get_secret_value() if settings.web.secret_key else None, settings.home
            )
        ),
        templates=templates,
        tokens=[t.get_secret_value() for t in settings.web.tokens],
        users={name: pw.get_secret_value() for name, pw in settings.web.users.items()},
    )
    if not has_users(engine, state.users):
        state.setup_token = secrets.token_urlsafe(18)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sync_forever(state)) if background_sync else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="govarchive",
        summary="Archive of published government reports: sources, reports, versions, changes, bundles.",
        version=_version(),
        docs_url=None,  # /docs is our own server-rendered page: Swagger UI would load from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["current_identity"] = current_identity
    templates.env.globals["can_change"] = can_change
    templates.env.globals["default_match"] = _default_match()
    templates.env.globals["public_read"] = settings.web.public_read

    app.middleware("http")(_session_middleware)
    # Starlette types a handler as taking any Exception; it calls each only with its own class
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]

    from .routes import actions, api, coverage, feeds, files, pages

    for module in (api, actions, coverage, feeds, files, pages):
        app.include_router(module.router)
    return app


def _default_match() -> str:
    from spiders.sources import DEFAULT_MATCH

    return DEFAULT_MATCH


def _version() -> str:
    from govarchive import __version__

    return __version__


async def _sync_forever(state: WebState) -> None:
    """Keep the search index current: all pending versions at start, then new ones as they come."""
    while True:
        try:
            await asyncio.to_thread(state.search.sync)
        except Exception:  # the index must never take the app down  # noqa: BLE001
            logger.exception("search index sync failed")
        await asyncio.sleep(SEARCH_SYNC_SECONDS)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/feeds/", "/openapi.json")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


async def _session_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    state: WebState = request.app.state.web
    # The JSON API speaks English unless asked otherwise; pages and feeds the configured language.
    default = "en" if request.url.path.startswith(("/api/", "/openapi.json")) else state.settings.language
    language = normalise_language(request.cookies.get(LANGUAGE_COOKIE)) or negotiate(
        request.headers.get("accept-language"), default
    )
    set_language(language, state.settings.timezone)
    request.state.language = language
    session = state.signer.loads(request.cookies.get(SESSION_COOKIE))
    request.state.session_fresh = session is None
    request.state.session_dirty = False
    if session is None:
        session = new_session()
    request.state.session = session
    identity = token_identity(request.headers.get("authorization"), state.tokens)
    if identity is None and session.user:
        account = find_account(state.engine, state.users, session.user)
        if account is not None:
            identity = Identity(name=account.name, method="session", admin=account.admin)
    request.state.identity = identity

    path = request.url.path
    if identity is None and not state.settings.web.public_read and not path.startswith(OPEN_PREFIXES):
        if _wants_json(request):
            return JSONResponse(
                {"detail": "reading this archive needs a login or an API token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/login?next={quote(path)}", status_code=303)

    response = await call_next(request)
    if request.state.session_dirty:
        response.set_cookie(
            SESSION_COOKIE,
            state.signer.dumps(request.state.session),
            max_age=state.signer.max_age,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.headers.get("content-type", "").startswith(("text/html", "application/atom+xml")):
        response.headers.setdefault("Content-Language", "zh-CN" if language == "zh" else language)
        response.headers.setdefault("Vary", "Accept-Language, Cookie")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.headers.get("content-type", "").startswith("text/html"):
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


async def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    state: WebState = request.app.state.web
    context: dict[str, Any] = {"status": exc.status_code, "detail": exc.detail}
    return state.templates.TemplateResponse(
        request, "error.html", context, status_code=exc.status_code, headers=headers
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
    detail = (
        f"{where}: {first.get('msg', 'invalid value')}" if where else str(first.get("msg", "invalid request"))
    )
    if not _wants_json(request):
        detail = _("This address has a wrong value: %(detail)s", detail=detail)
    return await _http_error(request, HTTPException(status_code=422, detail=detail))
