"""How many alerts are waiting: deliveries not yet sent, events not yet fanned out."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.models import Delivery, DispatchCursor, Event, Subscription

from .dispatcher import CURSOR_NAME, OPEN_STATUSES


def queued_alerts(engine: Engine) -> dict[str, int]:
    """``{"pending": deliveries waiting to be sent, "undispatched": events the dispatcher has not read}``.

    Events count only while some subscription is active (without one nothing will ever leave).
    """
    with Session(engine) as db:
        pending = db.exec(select(func.count()).select_from(Delivery)
                          .where(col(Delivery.status).in_(OPEN_STATUSES))).one()
        active = db.exec(select(func.count()).select_from(Subscription)
                         .where(col(Subscription.active) == True)).one()  # noqa: E712
        cursor = db.get(DispatchCursor, CURSOR_NAME)
        after = cursor.last_event_id if cursor else 0
        undispatched = db.exec(select(func.count()).select_from(Event).where(col(Event.id) > after)).one() if active else 0
    return {"pending": int(pending), "undispatched": int(undispatched)}
