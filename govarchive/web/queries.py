"""The read side the web app needs, shaped as the CLI's ``--json`` documents.

Plain functions over a SQLModel session; every dict uses the CLI's field names
(docs/cli.md) so the API, the pages and the command line agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.catalog.models import (
    Attachment,
    Delivery,
    Event,
    Report,
    Source,
    SourceRun,
    Subscription,
    Version,
)
from archive.queries import iso
from archive.urlmask import mask_url

if TYPE_CHECKING:
    from archive.bundles import BundleRecord

CHANGE_KINDS = ("new", "changed", "removed", "restored")


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


# Sources -------------------------------------------------------------------------------------


def source_status(health: str | None, last_run_status: str | None, last_run_at: Any) -> str:
    """ok / failing / blocked (challenge not passed) / never run / the last run's status when not ok."""
    from archive.outcomes import source_verdict

    return source_verdict(health, last_run_status, never_run=last_run_at is None)


def latest_source_runs(session: Session) -> dict[str, dict[str, Any]]:
    """Each source's most recent per-source run counts, by source name."""
    latest_ids = select(func.max(SourceRun.id)).group_by(col(SourceRun.source_id))
    fields = tuple(col(field) for field in (SourceRun.run_id, SourceRun.status, SourceRun.discovered, SourceRun.fetched, SourceRun.new,
              SourceRun.changed, SourceRun.unchanged, SourceRun.removed, SourceRun.blocked, SourceRun.errors,
              SourceRun.error))
    rows = session.connection().execute(
        sa_select(*fields, col(Source.name))  # plain columns: thousands of sources
        .join(Source, col(Source.id) == SourceRun.source_id)
        .where(col(SourceRun.id).in_(latest_ids))
    ).all()
    return {
        name: {
            "run_id": row.run_id,
            "status": row.status,
            "discovered": row.discovered,
            "fetched": row.fetched,
            "new": row.new,
            "changed": row.changed,
            "unchanged": row.unchanged,
            "removed": row.removed,
            "blocked": row.blocked,
            "errors": row.errors,
            "error": row.error,
        }
        for row, name in ((r, r.name) for r in rows)
    }


def sources_overview(session: Session) -> list[dict[str, Any]]:
    """``archive.queries.list_sources`` with each source's status, start URLs and latest run counts."""
    from archive.queries import list_sources

    runs = latest_source_runs(session)
    definitions = {name: _json(text) for name, text in session.exec(select(Source.name, Source.definition_json)).all()}
    bind = session.get_bind()
    out = []
    for row in list_sources(bind if isinstance(bind, Engine) else bind.engine):
        definition = definitions.get(row["name"], {})
        row["status"] = source_status(row["health"], row["last_run_status"], row["last_run_at"])
        row["start_urls"] = definition.get("start_urls", [])
        row["last_run"] = runs.get(row["name"])
        out.append(row)
    return out


def get_source(session: Session, name: str) -> Source | None:
    return session.exec(select(Source).where(Source.name == name)).first()


# Reports ------------------------------------------------------------------------------------


def report_source(session: Session, report_id: int) -> Source | None:
    """The source a report belongs to (for its title, region and level)."""
    return session.exec(
        select(Source).join(Report, col(Report.source_id) == Source.id).where(Report.id == report_id)
    ).first()


def version_attachment(session: Session, report_id: int, number: int, index: int) -> Attachment | None:
    """The ``index``-th attachment (0-based, in ``archive.queries`` order) of a version."""
    version = session.exec(
        select(Version).where(Version.report_id == report_id, Version.number == number)
    ).first()
    if version is None:
        return None
    rows = session.exec(
        select(Attachment).where(Attachment.version_id == version.id).order_by(col(Attachment.id))
    ).all()
    return rows[index] if 0 <= index < len(rows) else None


def latest_events(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    """The newest report events, newest first, with the version number they made."""
    rows = session.exec(
        select(Event, Source.name, Version.number)
        .join(Source, col(Source.id) == Event.source_id, isouter=True)
        .join(Version, col(Version.id) == Event.version_id, isouter=True)
        .where(col(Event.kind).in_(CHANGE_KINDS))
        .order_by(col(Event.id).desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "source": name,
            "report_id": e.report_id,
            "version": number,
            "title": e.title,
            "created_at": iso(e.created_at),
        }
        for e, name, number in rows
    ]


# Bundles and subscriptions -----------------------------------------------------------------


def bundle_json(record: BundleRecord, servable: Callable[[BundleRecord], bool] | None = None) -> dict[str, Any]:
    """``BundleRecord.to_json`` with a download link in place of the server's file path.

    ``servable`` tells whether this server may serve a file bundle (inside the home); a bundle it
    may not serve (``stored: "outside"``) gets no download link.
    """
    doc = record.to_json()
    doc.pop("path", None)
    doc["stored"] = "store" if record.key else "file" if record.path else "missing"
    if doc["stored"] == "file" and servable is not None and not servable(record):
        doc["stored"] = "outside"
    doc["download"] = f"/bundles/{record.id}/download" if doc["stored"] in ("store", "file") else None
    return doc


def list_bundles(engine: Engine, servable: Callable[[BundleRecord], bool] | None = None) -> list[dict[str, Any]]:
    """Every recorded bundle, newest first."""
    from archive.bundles import list_bundles as records

    return [bundle_json(r, servable) for r in reversed(records(engine))]


def subscription_json(sub: Subscription, states: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": mask_url(sub.url),
        "label": sub.label,
        "source": sub.source,
        "region": sub.region,
        "level": sub.level,
        "keyword": sub.keyword,
        "events": [e for e in sub.events.split(",") if e],
        "digest": sub.digest,
        "active": sub.active,
        "created_at": iso(sub.created_at),
        "deliveries": states or {},
        "feed": f"/feeds/subscriptions/{sub.id}.atom",
    }


def list_subscriptions(session: Session) -> list[dict[str, Any]]:
    """Subscriptions with their delivery counts by state (pending / sending / sent / failed)."""
    states: dict[int, dict[str, int]] = {}
    for sub_id, status, count in session.exec(
        select(Delivery.subscription_id, Delivery.status, func.count()).group_by(
            col(Delivery.subscription_id), col(Delivery.status)
        )
    ).all():
        states.setdefault(sub_id, {})[status] = count
    subs = session.exec(select(Subscription).order_by(col(Subscription.id))).all()
    return [subscription_json(s, states.get(s.id or 0)) for s in subs]


# Dashboard figures -------------------------------------------------------------------------


def reports_per_month(session: Session, months: int = 24) -> list[tuple[str, int]]:
    """Reports by the month the portal published them (``YYYY-MM``; the crawl date would put a first
    crawl's whole backlog in one bar), the last ``months`` months with any. Undated reports are left out."""
    dialect = session.get_bind().dialect.name
    month = (
        func.to_char(Report.pub_date, "YYYY-MM")
        if dialect == "postgresql"
        else func.strftime("%Y-%m", Report.pub_date)
    )
    rows = session.exec(
        select(month, func.count()).where(col(Report.pub_date).is_not(None)).group_by(month)
    ).all()
    return sorted((str(key), count) for key, count in rows if key)[-months:]


def reports_per_year(session: Session) -> list[tuple[str, int]]:
    """Reports by the year they report on."""
    rows = session.exec(
        select(Report.report_year, func.count())
        .where(col(Report.report_year).is_not(None))
        .group_by(col(Report.report_year))
    ).all()
    return sorted((str(year), count) for year, count in rows)


def totals(session: Session) -> dict[str, int]:
    return {
        "sources": session.exec(select(func.count()).select_from(Source)).one(),
        "reports": session.exec(select(func.count()).select_from(Report)).one(),
        "versions": session.exec(select(func.count()).select_from(Version)).one(),
        "removed": session.exec(
            select(func.count()).select_from(Report).where(Report.status == "removed")
        ).one(),
    }


def referenced_key(session: Session, key: str) -> bool:
    """Whether the catalog names ``key`` as a raw capture, text, attachment or bundle."""
    checks = (
        select(Version.id).where(Version.raw_key == key),
        select(Version.id).where(Version.text_key == key),
        select(Attachment.id).where(Attachment.blob_key == key),
        select(Attachment.id).where(Attachment.text_key == key),
    )
    return any(session.exec(query.limit(1)).first() is not None for query in checks)
