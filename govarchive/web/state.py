"""What every request needs: settings, catalog engine, object store, search index, auth keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from sqlmodel import Session

from govarchive.i18n import gettext as _

from .auth import CSRF_FIELD, CSRF_HEADER, Identity, SessionSigner

LANGUAGE_COOKIE = "govarchive_lang"

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from sqlalchemy.engine import Engine

    from archive.storage import BlobStore
    from govarchive.config import Settings

    from .search import SearchIndex


@dataclass(slots=True)
class WebState:
    settings: Settings
    engine: Engine
    store: BlobStore
    search: SearchIndex
    signer: SessionSigner
    templates: Jinja2Templates
    tokens: list[str] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    setup_token: str | None = None  # while no one can log in: the one-time first-run link's secret

    @property
    def bundles_dir(self) -> Path:
        """Where bundles made from the web are written when not kept in the object store."""
        return (self.settings.home / "bundles").resolve()


def web_state(request: Request) -> WebState:
    return request.app.state.web


def db_session(request: Request) -> Iterator[Session]:
    """A catalog session for one request."""
    with Session(web_state(request).engine, expire_on_commit=False) as session:
        yield session


def current_identity(request: Request) -> Identity | None:
    return getattr(request.state, "identity", None)


def can_change(request: Request) -> bool:
    """Whether the caller may change state (an administrator or an API token)."""
    identity = current_identity(request)
    return identity is not None and identity.admin


def require_user(request: Request) -> Identity:
    """The caller, who must be an administrator logged in or carry an API token (401/403 otherwise)."""
    identity = current_identity(request)
    if identity is None:
        raise HTTPException(
            status_code=401,
            detail=_("Log in, or send an API token (Authorization: Bearer …), to change anything."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not identity.admin:
        raise HTTPException(status_code=403, detail=_("Your account may read but not change anything."))
    return identity


def check_csrf(request: Request, identity: Identity, submitted: str | None) -> None:
    """A session-authenticated change must carry the session's CSRF token (403 otherwise)."""
    if identity.method != "session":
        return
    expected = request.state.session.csrf
    given = submitted or request.headers.get(CSRF_HEADER)
    if not given or given != expected:
        raise HTTPException(
            status_code=403, detail=_("The form expired (missing or wrong %(field)s): reload the page and retry.",
                                      field=CSRF_FIELD)
        )


def csrf_token(request: Request) -> str:
    """The session's CSRF token for a form (makes sure the session cookie is sent)."""
    request.state.session_dirty = request.state.session_dirty or request.state.session_fresh
    return str(request.state.session.csrf)
