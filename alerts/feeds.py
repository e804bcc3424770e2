"""Atom feeds (RFC 4287) of the archive's events: everything, one source, or one subscription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from xml.etree import ElementTree as ET

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from archive.catalog.models import Event, Report, Source, Subscription
from archive.timeutil import as_utc

from .messages import EventView, archived_url, body_lines, headed, kind_label, load_views
from .speech import Speech, current_language, gettext, speaking
from .subscriptions import REPORT_KINDS, keyword_matches, subscribed_kinds

ATOM_NS = "http://www.w3.org/2005/Atom"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class FeedNotFoundError(LookupError):
    """The feed names a source or subscription the catalog does not have."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} {key!r}")
        self.what = what
        self.key = key


def _stamp(value: dt.datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_feed(
    session: Session,
    *,
    base_url: str,
    source: str | None = None,
    subscription_id: int | None = None,
    limit: int = 50,
    text_loader: Callable[[str], str] | None = None,
    speech: Speech | None = None,
) -> bytes:
    """The Atom document (UTF-8 bytes) of the newest ``limit`` matching events, newest first.

    Without ``source``/``subscription_id``: every report event (new, changed, removed, restored).
    ``source``: that source's report events. ``subscription_id``: the events that subscription
    asks for, with its filters (keywords look into texts only when ``text_loader`` is given).
    Entries link to the original page (``alternate``) and the archived copy (``related``).
    ``speech`` is the application's translations (plain English without).
    Raises FeedNotFoundError for an unknown source or subscription.
    """
    with speaking(speech):
        return _render_feed(session, base_url=base_url, source=source, subscription_id=subscription_id,
                            limit=limit, text_loader=text_loader)


def _render_feed(session: Session, *, base_url: str, source: str | None, subscription_id: int | None,
                 limit: int, text_loader: Callable[[str], str] | None) -> bytes:
    base_url = base_url.rstrip("/")
    kinds: frozenset[str] = REPORT_KINDS
    query = select(Event).order_by(col(Event.id).desc())
    wanted_source: str | None = source
    subscription: Subscription | None = None
    if subscription_id is not None:
        subscription = session.get(Subscription, subscription_id)
        if subscription is None:
            raise FeedNotFoundError("subscription", subscription_id)
        kinds = subscribed_kinds(subscription)
        wanted_source = wanted_source or subscription.source
    if wanted_source is not None:
        source_row = session.exec(select(Source).where(col(Source.name) == wanted_source)).first()
        if source_row is None and subscription is None:
            raise FeedNotFoundError("source", wanted_source)
        if source_row is None:  # a subscription to a source never crawled yet: nothing so far
            return _document([], base_url, _feed_meta(base_url, source, subscription))
        report_ids = select(Report.id).where(col(Report.source_id) == source_row.id)
        query = query.where(
            (col(Event.source_id) == source_row.id) | col(Event.report_id).in_(report_ids)
        )
    query = query.where(col(Event.kind).in_(sorted(kinds)))
    views = _select_views(session, query, subscription, limit, text_loader)
    return _document(views, base_url, _feed_meta(base_url, source, subscription))


def _select_views(
    session: Session,
    query: SelectOfScalar[Event],
    subscription: Subscription | None,
    limit: int,
    text_loader: Callable[[str], str] | None,
) -> list[EventView]:
    picked: list[EventView] = []
    offset = 0
    page = max(limit, 100)
    while len(picked) < limit:
        events = list(session.exec(query.offset(offset).limit(page)))
        if not events:
            break
        offset += len(events)
        for view in load_views(session, events):
            if subscription is None or _wanted(subscription, view, text_loader):
                picked.append(view)
    return picked[:limit]


def _wanted(subscription: Subscription, view: EventView, text_loader: Callable[[str], str] | None) -> bool:
    # Like alerts.matches, without the "not older than the subscription" rule: a feed shows history.
    if subscription.region and subscription.region not in (view.region or ""):
        return False
    if subscription.level and view.level != subscription.level:
        return False
    if subscription.keyword and view.kind in REPORT_KINDS:
        key = view.text_key
        text = (lambda: text_loader(key)) if text_loader and key else None
        return keyword_matches(subscription.keyword, view, text)
    return True


def _feed_meta(base_url: str, source: str | None, subscription: Subscription | None) -> tuple[str, str, str]:
    if subscription is not None:
        path = f"/feeds/subscriptions/{subscription.id}.atom"
        name = gettext("subscription %(id)s", id=subscription.id)
        if subscription.label:
            name = gettext("%(title)s (%(name)s)", title=name, name=subscription.label)
        title = headed("govarchive", name)
    elif source is not None:
        path = f"/feeds/sources/{source}.atom"
        title = headed("govarchive", source)
    else:
        path = "/feeds/all.atom"
        title = headed("govarchive", gettext("all reports"))
    return base_url + path, title, path


def _document(views: list[EventView], base_url: str, meta: tuple[str, str, str]) -> bytes:
    self_url, title, _ = meta
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "zh-CN" if current_language() == "zh" else "en"})
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    updated = max((as_utc(v.created_at) for v in views), default=_EPOCH)
    _text(feed, "updated", _stamp(updated))
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="alternate", type="text/html", href=base_url + "/")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "govarchive")
    _text(feed, "generator", "govarchive")
    for view in views:
        feed.append(_entry(view, base_url))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(view: EventView, base_url: str) -> ET.Element:
    entry = ET.Element(f"{{{ATOM_NS}}}entry")
    _text(entry, "id", f"{base_url}/events/{view.event_id}")
    _text(entry, "title", headed(kind_label(view.kind), view.headline))
    _text(entry, "updated", _stamp(view.created_at))
    if view.pub_date:
        published = dt.datetime.combine(view.pub_date, dt.time(), tzinfo=dt.UTC)
        _text(entry, "published", _stamp(published))
    if view.url:
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", type="text/html", href=view.url)
    if view.report_id is not None:
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="related", type="text/html",
                      href=archived_url(base_url, view.report_id), title=gettext("Archived copy"))
    if view.publisher or view.source_title:
        author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
        _text(author, "name", view.publisher or view.source_title)
    ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=view.kind, label=kind_label(view.kind))
    summary = ET.SubElement(entry, f"{{{ATOM_NS}}}summary", type="text")
    summary.text = "\n".join(body_lines(view, base_url))
    return entry


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    element.text = value
    return element
