"""Helpers shared by the routers: rendering, and ``archive.queries`` errors as HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from archive.errors import ArchiveError, NotFoundError
from govarchive.web.state import web_state

T = TypeVar("T")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state = web_state(request)
    return state.templates.TemplateResponse(request, template, context, status_code=status_code)


def answer(call: Callable[[], T]) -> T:
    """Run a catalog read; unknown things become 404, an unreadable store 503, bad choices 422."""
    from archive.queries import NothingToCompareError

    try:
        return call()
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except NothingToCompareError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except ArchiveError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
