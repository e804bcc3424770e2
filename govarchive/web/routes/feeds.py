"""Atom feeds: everything, one source, one subscription (rendered by ``alerts``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from alerts import FeedNotFoundError, render_feed
from govarchive.alerting import SPEECH
from govarchive.web.state import db_session

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "application/atom+xml; charset=utf-8"


def _feed(request: Request, session: Session, *, source: str | None = None,
          subscription_id: int | None = None) -> Response:
    base_url = str(request.base_url).rstrip("/")
    try:
        body = render_feed(session, base_url=base_url, speech=SPEECH, source=source, subscription_id=subscription_id)
    except FeedNotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return Response(body, media_type=ATOM)


@router.get("/all.atom", summary="Atom feed of every new, changed and removed report")
def feed_all(request: Request, session: Session = Depends(db_session)) -> Response:
    return _feed(request, session)


@router.get("/sources/{name}.atom", summary="Atom feed of one source")
def feed_source(name: str, request: Request, session: Session = Depends(db_session)) -> Response:
    return _feed(request, session, source=name)


@router.get("/subscriptions/{subscription_id}.atom", summary="Atom feed of what one subscription matches")
def feed_subscription(
    subscription_id: int, request: Request, session: Session = Depends(db_session)
) -> Response:
    return _feed(request, session, subscription_id=subscription_id)
