"""Helpers shared by the routers: rendering, and ``archive.queries`` errors as HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from archive.errors import ArchiveError, NotFoundError
from govarchive.i18n import N_
from govarchive.i18n import gettext as _
from govarchive.web.state import web_state

T = TypeVar("T")
NOT_FOUND = {"report": N_("There is no report %(ident)s."), "version": N_("There is no version %(ident)s."),
             "source": N_("There is no source %(ident)s."), "bundle": N_("There is no bundle %(ident)s.")}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state = web_state(request)
    return state.templates.TemplateResponse(request, template, context, status_code=status_code)


def answer(call: Callable[[], T]) -> T:
    """Run a catalog read; unknown things become 404, an unreadable store 503, bad choices 422."""
    from archive.queries import NothingToCompareError

    try:
        return call()
    except NotFoundError as exc:
        message = NOT_FOUND.get(exc.kind)
        raise HTTPException(status_code=404, detail=_(message, ident=exc.ident) if message else str(exc)) from None
    except NothingToCompareError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except ArchiveError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
