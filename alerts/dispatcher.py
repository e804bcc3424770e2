"""The outbox dispatcher: events → deliveries (fan-out) → channels (send, retry, mark).

Fan-out moves the dispatch cursor in the same transaction that creates the deliveries, so an
event is fanned out once and never skipped. Sending claims a delivery (status ``sending`` plus a
lease), sends, then marks it ``sent``; a dispatcher that dies in between leaves the claim to expire
and the delivery is sent again: at-least-once. Webhook channels carry the delivery's idempotency
key so their receiver can drop that second copy; other channels may see one duplicate per crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from archive.catalog.models import Delivery, DispatchCursor, Event, Subscription
from archive.timeutil import as_utc, utcnow

from .channels import AppriseNotifier, Notifier
from .messages import EventView, Message, compose, compose_digest, load_views
from .options import AlertOptions
from .speech import speaking, use_language
from .subscriptions import matches

logger = logging.getLogger(__name__)

CURSOR_NAME = "alerts"
OPEN_STATUSES = ("pending", "sending")

TextLoader = Callable[[str], str]
AfterSend = Callable[[Sequence[int]], None]
ShouldStop = Callable[[], bool]


@dataclass(slots=True)
class DispatchStats:
    """What one dispatch pass did."""

    events_read: int = 0
    deliveries_created: int = 0
    sent: int = 0
    failed_attempts: int = 0
    gave_up: int = 0
    cursor: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


def idempotency_key(event_id: int, subscription_id: int) -> str:
    """The key a receiver de-duplicates on: one per event and subscription."""
    return f"govarchive-{event_id}-{subscription_id}"


def dispatch(
    engine: Engine,
    options: AlertOptions,
    *,
    notifier: Notifier | None = None,
    text_loader: TextLoader | None = None,
    now: dt.datetime | None = None,
    after_send: AfterSend | None = None,
    should_stop: ShouldStop | None = None,
) -> DispatchStats:
    """One pass: fan new events out into deliveries, then send every delivery that is due.

    ``text_loader`` (object key → text) lets keyword filters look into report texts;
    ``after_send`` is called with the delivery ids a channel just accepted, before they are
    marked sent (tests use it to crash there); ``should_stop`` is asked before each message
    (a service shutting down leaves the rest for its next start).
    """
    stats = DispatchStats()
    now = as_utc(now) if now else utcnow()
    fan_out(engine, options, text_loader=text_loader, now=now, stats=stats)
    send_due(engine, options, notifier=notifier or AppriseNotifier(), now=now, after_send=after_send,
             should_stop=should_stop, stats=stats)
    return stats


# Fan-out ----------------------------------------------------------------------------------


def _ensure_cursor(engine: Engine) -> None:
    with Session(engine) as db:
        if db.get(DispatchCursor, CURSOR_NAME) is not None:
            return
        db.add(DispatchCursor(name=CURSOR_NAME, last_event_id=0))
        try:
            db.commit()
        except IntegrityError:  # another dispatcher created it first
            db.rollback()


def fan_out(
    engine: Engine,
    options: AlertOptions,
    *,
    text_loader: TextLoader | None = None,
    now: dt.datetime | None = None,
    stats: DispatchStats | None = None,
) -> DispatchStats:
    """Create one delivery per (new event, matching subscription); move the cursor past them."""
    stats = stats if stats is not None else DispatchStats()
    now = as_utc(now) if now else utcnow()
    _ensure_cursor(engine)
    while True:
        with Session(engine, expire_on_commit=False) as db:
            # A write first: concurrent dispatchers queue here instead of fanning out twice.
            db.execute(
                update(DispatchCursor)
                .where(col(DispatchCursor.name) == CURSOR_NAME)
                .values(last_event_id=DispatchCursor.last_event_id)
            )
            cursor = db.get(DispatchCursor, CURSOR_NAME, populate_existing=True)
            assert cursor is not None
            start = cursor.last_event_id
            events = list(
                db.exec(select(Event).where(col(Event.id) > start).order_by(col(Event.id)).limit(options.batch_size))
            )
            if not events:
                stats.cursor = start
                db.rollback()
                return stats
            created = _fan_out_batch(db, events, options, text_loader, now)
            # Event ids are drawn in commit order (archive.catalog.feed): a gap below the last one
            # read is a rolled-back transaction, never one still to commit.
            last = events[-1].id
            assert last is not None
            cursor.last_event_id = last
            db.add(cursor)
            db.commit()
        stats.events_read += len(events)
        stats.deliveries_created += created
        stats.cursor = cursor.last_event_id


def _fan_out_batch(
    db: Session, events: Sequence[Event], options: AlertOptions, text_loader: TextLoader | None, now: dt.datetime
) -> int:
    subscriptions = list(db.exec(select(Subscription).where(col(Subscription.active) == True)))  # noqa: E712
    if not subscriptions:
        return 0
    ids = [e.id for e in events]
    existing = set(
        db.exec(select(Delivery.event_id, Delivery.subscription_id).where(col(Delivery.event_id).in_(ids))).all()
    )
    created = 0
    for view in load_views(db, events):
        text = _text_of(view, text_loader)
        for subscription in subscriptions:
            assert subscription.id is not None
            if (view.event_id, subscription.id) in existing or not matches(subscription, view, text):
                continue
            due = now if subscription.digest != "daily" else options.next_digest_at(now)
            db.add(
                Delivery(
                    event_id=view.event_id,
                    subscription_id=subscription.id,
                    next_attempt_at=as_utc(due),
                    idempotency_key=idempotency_key(view.event_id, subscription.id),
                )
            )
            created += 1
    return created


def _text_of(view: EventView, text_loader: TextLoader | None) -> Callable[[], str] | None:
    if text_loader is None or not view.text_key:
        return None
    key = view.text_key

    @cache
    def load() -> str:
        try:
            return text_loader(key)
        except Exception as exc:  # a missing text must not stop alerts; the title still matches
            logger.warning("cannot read text %s of event %s for keyword filters: %s", key, view.event_id, exc)
            return ""

    return load


# Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    """Deliveries that leave as one message: one delivery, or a digest's batch."""

    subscription: Subscription
    delivery_ids: tuple[int, ...]
    new_key: str | None = None


def send_due(
    engine: Engine,
    options: AlertOptions,
    *,
    notifier: Notifier,
    now: dt.datetime | None = None,
    after_send: AfterSend | None = None,
    should_stop: ShouldStop | None = None,
    stats: DispatchStats | None = None,
) -> DispatchStats:
    """Send every delivery that is due (new, retry, or claimed by a dispatcher that died)."""
    stats = stats if stats is not None else DispatchStats()
    now = as_utc(now) if now else utcnow()
    stopping = should_stop or (lambda: False)
    with Session(engine) as db:
        subscriptions = {s.id: s for s in db.exec(select(Subscription).where(col(Subscription.active) == True))}  # noqa: E712
    down: set[int] = set()  # channels that failed in this pass: their other deliveries wait
    for subscription in subscriptions.values():
        if stopping():
            return stats
        if subscription.digest == "daily":
            unit = _digest_unit(engine, subscription, now)
            if unit:
                _send_unit(engine, options, notifier, unit, now, after_send, stats, down)
    immediate = [sid for sid, s in subscriptions.items() if s.digest != "daily"]
    last_id = 0
    while immediate:
        with Session(engine) as db:
            batch = list(
                db.exec(
                    select(Delivery.id, Delivery.subscription_id)
                    .where(col(Delivery.status).in_(OPEN_STATUSES))
                    .where(col(Delivery.next_attempt_at) <= as_utc(now))
                    .where(col(Delivery.subscription_id).in_(immediate))
                    .where(col(Delivery.id) > last_id)
                    .order_by(col(Delivery.id))
                    .limit(options.batch_size)
                )
            )
        if not batch:
            break
        for delivery_id, subscription_id in batch:
            if stopping():
                return stats
            assert delivery_id is not None
            last_id = delivery_id
            if subscription_id in down:
                continue
            unit = _Unit(subscriptions[subscription_id], (delivery_id,))
            _send_unit(engine, options, notifier, unit, now, after_send, stats, down)
    return stats


def _digest_unit(engine: Engine, subscription: Subscription, now: dt.datetime) -> _Unit | None:
    with Session(engine) as db:
        due = list(
            db.exec(
                select(Delivery)
                .where(col(Delivery.subscription_id) == subscription.id)
                .where(col(Delivery.status).in_(OPEN_STATUSES))
                .where(col(Delivery.next_attempt_at) <= as_utc(now))
                .order_by(col(Delivery.id))
            )
        )
    if not due:
        return None
    retried = [d for d in due if d.attempts > 0]
    if retried:  # a retry resends the same digest under the same key
        key = retried[0].idempotency_key
        return _Unit(subscription, tuple(d.id for d in due if d.idempotency_key == key and d.id))
    return _Unit(subscription, tuple(d.id for d in due if d.id), new_key=f"govarchive-digest-{subscription.id}-{due[0].id}")


def _claim(engine: Engine, unit: _Unit, now: dt.datetime, lease: dt.timedelta) -> list[Delivery]:
    """Take the deliveries for this dispatcher; those another dispatcher holds are left alone."""
    held_until = max(now, utcnow()) + lease  # a long pass must not claim with an already-expired lease
    with Session(engine, expire_on_commit=False) as db:
        claimed: list[int] = []
        for delivery_id in unit.delivery_ids:
            values: dict[str, object] = {
                "status": "sending",
                "attempts": Delivery.attempts + 1,
                "next_attempt_at": held_until,
            }
            if unit.new_key:
                values["idempotency_key"] = unit.new_key
            result = db.exec(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id)
                .where(col(Delivery.status).in_(OPEN_STATUSES))
                .where(col(Delivery.next_attempt_at) <= as_utc(now))
                .values(**values)
            )
            if result.rowcount == 1:
                claimed.append(delivery_id)
        db.commit()
        if not claimed:
            return []
        return list(db.exec(select(Delivery).where(col(Delivery.id).in_(claimed)).order_by(col(Delivery.id))))


def _send_unit(
    engine: Engine,
    options: AlertOptions,
    notifier: Notifier,
    unit: _Unit,
    now: dt.datetime,
    after_send: AfterSend | None,
    stats: DispatchStats,
    down: set[int],
) -> None:
    deliveries = _claim(engine, unit, now, dt.timedelta(seconds=options.send_lease_seconds))
    if not deliveries:
        return
    message = _message_for(engine, options, unit.subscription, deliveries, now)
    ids = [d.id for d in deliveries if d.id is not None]
    outcome = notifier.send(unit.subscription.url, message, idempotency_key=deliveries[0].idempotency_key)
    if outcome.ok:
        if after_send is not None:
            after_send(ids)
        _mark(engine, ids, status="sent", sent_at=as_utc(now), last_error=None)
        stats.sent += len(ids)
        return
    assert unit.subscription.id is not None
    down.add(unit.subscription.id)
    stats.failed_attempts += len(ids)
    attempts = max(d.attempts for d in deliveries)
    error = outcome.error or "the channel refused the message"
    if attempts >= options.max_attempts:
        _mark(engine, ids, status="failed", last_error=error)
        stats.gave_up += len(ids)
        logger.error("giving up on deliveries %s to subscription %s after %s attempts: %s",
                     ids, unit.subscription.id, attempts, error)
    else:
        retry_at = now + options.retry_delay(attempts)
        _mark(engine, ids, status="pending", next_attempt_at=as_utc(retry_at), last_error=error)
        logger.warning("subscription %s channel failed (%s); retry at %s", unit.subscription.id, error, retry_at)


def _message_for(
    engine: Engine, options: AlertOptions, subscription: Subscription, deliveries: Sequence[Delivery], now: dt.datetime
) -> Message:
    with Session(engine) as db:
        events = list(db.exec(select(Event).where(col(Event.id).in_([d.event_id for d in deliveries])).order_by(col(Event.id))))
        views = load_views(db, events)
    with speaking(options.speech), use_language(options.language, options.timezone):
        if subscription.digest == "daily":
            return compose_digest(views, options.base_url, now.astimezone(options.zone).date())
        return compose(views[0], options.base_url)


def _mark(engine: Engine, ids: Sequence[int], **values: object) -> None:
    with Session(engine) as db:
        db.execute(
            update(Delivery).where(col(Delivery.id).in_(ids)).where(col(Delivery.status) == "sending").values(**values)
        )
        db.commit()


def retry_failed(engine: Engine, *, now: dt.datetime | None = None) -> int:
    """Put deliveries that ran out of attempts back in the queue; return how many."""
    now = as_utc(now) if now else utcnow()
    with Session(engine) as db:
        result = db.exec(
            update(Delivery)
            .where(col(Delivery.status) == "failed")
            .values(status="pending", attempts=0, next_attempt_at=as_utc(now))
        )
        db.commit()
        return int(result.rowcount)
