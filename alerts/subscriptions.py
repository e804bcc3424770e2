"""Subscriptions: who hears about what, through which Apprise URL, and which events match."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Session, col, select

from archive.catalog.models import Delivery, Subscription
from archive.timeutil import as_utc, utcnow
from archive.urlmask import mask_url

from .messages import EventView

if TYPE_CHECKING:
    import apprise

EVENT_KINDS = ("new", "changed", "removed", "restored", "source_failing", "source_recovered", "overdue")
REPORT_KINDS = frozenset({"new", "changed", "removed", "restored"})
DEFAULT_EVENTS = "new,changed,removed"
DIGESTS = ("immediate", "daily")


class SubscriptionError(ValueError):
    """A subscription that cannot be added: bad channel URL, unknown event kind, unknown digest."""


def asset() -> apprise.AppriseAsset:
    """Apprise's asset for govarchive: nothing written to disk, our name on the messages."""
    import apprise  # here, not at the top: a crawl whose alerts need no channel never loads Apprise (~35 ms)

    return apprise.AppriseAsset(
        app_id="govarchive",
        app_desc="govarchive alerts",
        storage_mode=apprise.PersistentStoreMode.MEMORY,
    )


def parse_events(text: str | None) -> str:
    """Normalise a comma-separated list of event kinds; SubscriptionError on an unknown one."""
    kinds = [part.strip().lower() for part in (text or DEFAULT_EVENTS).split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in EVENT_KINDS]
    if unknown or not kinds:
        raise SubscriptionError(
            f"unknown event kind {unknown[0] if unknown else text!r} (one or more of {', '.join(EVENT_KINDS)})"
        )
    return ",".join(kind for kind in EVENT_KINDS if kind in kinds)


def subscribed_kinds(subscription: Subscription) -> frozenset[str]:
    """The event kinds a subscription receives; ``source_failing`` brings its ``source_recovered``."""
    kinds = set(subscription.events.split(","))
    if "source_failing" in kinds:
        kinds.add("source_recovered")
    return frozenset(kinds)


def validate_channel(url: str) -> None:
    """Raise SubscriptionError unless Apprise can parse ``url`` into a notification service."""
    import apprise

    if apprise.Apprise.instantiate(url, asset=asset()) is None:
        raise SubscriptionError(
            f"{rejected_input(url)!r} is not an Apprise URL Apprise can use (mailto://, json://, dingtalk:// …)"
        )


def rejected_input(url: str) -> str:
    """What to echo of a URL Apprise refused: masked (archive.urlmask), at most 80 characters."""
    masked = mask_url(url)
    return masked if len(masked) <= 80 else masked[:77] + "…"


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    """What a subscription asks for, checked before it is stored."""

    source: str | None = None
    region: str | None = None
    level: str | None = None
    keyword: str | None = None
    events: str = DEFAULT_EVENTS
    digest: str = "immediate"


def add_subscription(session: Session, url: str, wanted: SubscriptionFilter, *, label: str = "") -> Subscription:
    """Validate and store a subscription; SubscriptionError on a bad URL, event kind or digest."""
    url = url.strip()
    validate_channel(url)
    events = parse_events(wanted.events)
    if wanted.digest not in DIGESTS:
        raise SubscriptionError(f"unknown digest {wanted.digest!r} (immediate or daily)")
    subscription = Subscription(
        url=url,
        source=wanted.source or None,
        region=wanted.region or None,
        level=wanted.level or None,
        keyword=(wanted.keyword or "").strip() or None,
        events=events,
        digest=wanted.digest,
        label=label,
        created_at=utcnow(),
    )
    session.add(subscription)
    session.commit()
    session.refresh(subscription)
    return subscription


def list_subscriptions(session: Session, *, include_removed: bool = False) -> list[Subscription]:
    """Subscriptions by id; removed ones only when asked."""
    query = select(Subscription).order_by(col(Subscription.id))
    if not include_removed:
        query = query.where(Subscription.active == True)  # noqa: E712
    return list(session.exec(query))


def remove_subscription(session: Session, subscription_id: int) -> bool:
    """Deactivate a subscription and cancel what it still had to send; False if unknown or removed.

    Rows are kept: deliveries already sent stay as history.
    """
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    session.add(subscription)
    session.execute(
        update(Delivery)
        .where(col(Delivery.subscription_id) == subscription_id)
        .where(col(Delivery.status).in_(("pending", "sending")))
        .values(status="cancelled")
    )
    session.commit()
    return True


def matches(subscription: Subscription, view: EventView, text: Callable[[], str] | None = None) -> bool:
    """Whether ``view`` is something ``subscription`` asked for.

    Source is the source name; region matches as a substring (浙江 matches 浙江省杭州市); level
    exactly; the keyword, in the report's title or (when ``text`` is given) its archived text,
    applies to report events only. Events older than the subscription never match.
    """
    if view.kind not in subscribed_kinds(subscription):
        return False
    if as_utc(view.created_at) < as_utc(subscription.created_at):
        return False
    if subscription.source and view.source_name != subscription.source:
        return False
    if subscription.region and subscription.region not in (view.region or ""):
        return False
    if subscription.level and view.level != subscription.level:
        return False
    if subscription.keyword and view.kind in REPORT_KINDS:
        return keyword_matches(subscription.keyword, view, text)
    return True


def keyword_matches(keyword: str, view: EventView, text: Callable[[], str] | None) -> bool:
    """Whether every word of ``keyword`` (space-separated) is in the title or the text."""
    words = [w for w in re.split(r"\s+", keyword.strip()) if w]
    title = f"{view.report_title} {view.title}".casefold()
    missing = [w for w in words if w.casefold() not in title]
    if not missing:
        return True
    if text is None:
        return False
    body = text().casefold()
    return all(w.casefold() in body for w in missing)
