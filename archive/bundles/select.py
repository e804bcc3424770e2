"""Which versions a bundle holds.

A snapshot holds, per report, the version current at the as-of instant: the highest-numbered
version first seen at or before it. A delta holds every version first seen after its base (a
date, or a previous bundle's as-of; for a bundle also every version recorded after it was made,
found by its version-id watermark) up to the as-of instant, plus the reports removed in that
window. Dates are UTC days: ``as_of=2025-04-01`` means "at the end of that day", and
``since=2025-04-01`` means "after the snapshot as of that day", so snapshot(D) + delta(since D)
is snapshot(later). Everything is read in one transaction, in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Table, func, literal, or_, select, tuple_
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from archive.catalog import models  # noqa: F401  (registers the tables)
from archive.errors import NotFoundError
from archive.timeutil import as_utc

from .errors import BadSelectionError, EmptySelectionError, UnknownSourceError

INCLUDE_CHOICES = ("text", "raw", "attachments", "warc")
BATCH_SIZE = 500
_ONE_US = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


SOURCES, REPORTS, VERSIONS = _table("sources"), _table("reports"), _table("versions")
CAPTURES, ATTACHMENTS, EVENTS, BUNDLES = (
    _table("captures"), _table("attachments"), _table("events"), _table("bundles"),
)


to_utc = as_utc  # the name the bundle modules use


def iso_utc(value: dt.datetime) -> str:
    """``2025-04-01T08:00:00Z`` (microseconds kept when present)."""
    return to_utc(value).replace(tzinfo=None).isoformat() + "Z"


def cutoff_of(value: dt.datetime | dt.date) -> dt.datetime:
    """The exclusive upper bound meant by an as-of value: the end of a day, just after an instant."""
    if isinstance(value, dt.datetime):
        return to_utc(value) + _ONE_US
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1)


def _label(value: dt.datetime | dt.date) -> str:
    return iso_utc(value) if isinstance(value, dt.datetime) else value.isoformat()


@dataclass(frozen=True, slots=True)
class BundleSelection:
    """What a bundle should hold. Empty filters mean everything.

    ``as_of``: a date (its end, UTC) or an instant; None means the archive's latest version.
    ``since`` / ``since_bundle``: make a delta after a date or after a recorded bundle.
    ``region`` matches sources whose region starts with it. ``include``: any of text, raw,
    attachments, warc (text is always there).
    """

    as_of: dt.datetime | dt.date | None = None
    since: dt.datetime | dt.date | None = None
    since_bundle: int | None = None
    sources: tuple[str, ...] = ()
    region: str | None = None
    year: int | None = None
    include: frozenset[str] = frozenset({"text"})
    allow_empty: bool = False

    def __post_init__(self) -> None:
        unknown = sorted(set(self.include) - set(INCLUDE_CHOICES))
        if unknown:
            raise BadSelectionError(
                f"unknown include {', '.join(unknown)!r} (choose from {', '.join(INCLUDE_CHOICES)})"
            )
        if self.since is not None and self.since_bundle is not None:
            raise BadSelectionError("give either a since date or a since bundle, not both")
        object.__setattr__(self, "include", frozenset(self.include) | {"text"})
        object.__setattr__(self, "sources", tuple(sorted(set(self.sources))))
        object.__setattr__(self, "region", self.region or None)

    @property
    def is_delta(self) -> bool:
        return self.since is not None or self.since_bundle is not None

    @property
    def has_filters(self) -> bool:
        return bool(self.sources) or self.region is not None or self.year is not None

    def to_json(self) -> dict[str, Any]:
        """A stable, JSON-ready description (recorded in bag-info.txt and the Bundle row)."""
        return {
            "as_of": None if self.as_of is None else _label(self.as_of),
            "since": None if self.since is None else _label(self.since),
            "since_bundle": self.since_bundle,
            "sources": list(self.sources),
            "region": self.region,
            "year": self.year,
            "include": [name for name in INCLUDE_CHOICES if name in self.include],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BundleSelection:
        """The inverse of :meth:`to_json`."""

        def when(text: str | None) -> dt.datetime | dt.date | None:
            if text is None:
                return None
            if "T" in text:
                return to_utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
            return dt.date.fromisoformat(text)

        return cls(
            as_of=when(data.get("as_of")),
            since=when(data.get("since")),
            since_bundle=data.get("since_bundle"),
            sources=tuple(data.get("sources") or ()),
            region=data.get("region"),
            year=data.get("year"),
            include=frozenset(data.get("include") or ("text",)),
        )


@dataclass(frozen=True, slots=True)
class ResolvedSelection:
    """A selection pinned to the catalog: exact bounds and counts."""

    selection: BundleSelection
    kind: str  # snapshot / delta
    cutoff: dt.datetime  # exclusive upper bound of first_seen, aware UTC
    as_of_label: str
    since_cutoff: dt.datetime | None  # inclusive lower bound of a delta's window
    since_label: str | None
    base_bundle_id: int | None
    after_version_id: int | None  # a delta on a bundle: versions with a larger id
    source_ids: tuple[int, ...] | None
    region: str | None
    year: int | None
    watermark: int  # the largest version id first seen before the cutoff, whole catalog
    version_count: int
    report_count: int
    removed_count: int

    @property
    def as_of(self) -> dt.datetime:
        """The last instant the bundle covers (inclusive), aware UTC."""
        return self.cutoff - _ONE_US

    @property
    def filters(self) -> dict[str, Any]:
        """The effective filters (a delta on a bundle inherits the base bundle's when given none)."""
        return {"sources": list(self.selection.sources), "region": self.region, "year": self.year}


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    id: int
    url: str
    fetched_at: dt.datetime
    status: int
    content_type: str | None
    payload_key: str | None
    payload_digest: str | None
    warc_key: str | None
    warc_type: str | None  # response / revisit


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    url: str
    name: str
    type: str
    blob_key: str | None
    size: int | None
    sha256: str | None
    text_key: str | None
    text_status: str
    text_source: str | None = None
    ocr_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class SelectedVersion:
    """One version going into a bundle, with what the bundle needs to know about it."""

    report_id: int
    source_id: int
    source_name: str
    source_title: str
    region: str
    level: str
    canonical_url: str
    version_id: int
    number: int
    url: str
    title: str
    text_key: str
    text_hash: str
    raw_key: str | None
    metadata: dict[str, Any]
    first_seen: dt.datetime
    status: str  # active / removed, as of the cutoff
    capture: CaptureInfo | None = None
    attachments: tuple[AttachmentInfo, ...] = field(default_factory=tuple)
    division_code: str | None = None  # whose report (archive/attribution.py)
    publisher_kind: str | None = None
    department: str | None = None


@dataclass(frozen=True, slots=True)
class RemovedReport:
    report_id: int
    source_name: str
    canonical_url: str
    title: str
    removed_at: dt.datetime


def _source_ids(conn: Connection, names: Sequence[str]) -> tuple[int, ...] | None:
    if not names:
        return None
    rows = conn.execute(select(SOURCES.c.name, SOURCES.c.id).where(SOURCES.c.name.in_(names))).all()
    found: dict[str, int] = {row[0]: row[1] for row in rows}
    unknown = [name for name in names if name not in found]
    if unknown:
        raise UnknownSourceError(unknown)
    return tuple(sorted(found.values()))


def _filters(resolved: ResolvedSelection) -> list[Any]:
    conditions: list[Any] = []
    if resolved.source_ids is not None:
        conditions.append(REPORTS.c.source_id.in_(resolved.source_ids))
    if resolved.region is not None:
        escaped = resolved.region.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(SOURCES.c.region.like(escaped + "%", escape="\\"))
    if resolved.year is not None:
        conditions.append(REPORTS.c.report_year == resolved.year)
    return conditions


def _version_window(resolved: ResolvedSelection) -> list[Any]:
    """Conditions on VERSIONS picking the selected versions."""
    # Bounded by the watermark too: a version committed while the bundle is read has a larger id
    # (ids follow commit order, archive.catalog.feed) and belongs to the next delta, not to both.
    conditions: list[Any] = [VERSIONS.c.first_seen < resolved.cutoff, VERSIONS.c.id <= resolved.watermark]
    if resolved.kind == "snapshot":
        newer = VERSIONS.alias("newer")
        conditions.append(
            VERSIONS.c.number
            == select(func.max(newer.c.number))
            .where(newer.c.report_id == VERSIONS.c.report_id, newer.c.first_seen < resolved.cutoff,
                   newer.c.id <= resolved.watermark)
            .scalar_subquery()
        )
    else:
        assert resolved.since_cutoff is not None
        after = VERSIONS.c.first_seen >= resolved.since_cutoff
        if resolved.after_version_id is not None:
            # Versions recorded after the base bundle was made but fetched before its as-of
            # (a slow worker, a resumed crawl) were not in it either: the id watermark finds them.
            after = or_(after, VERSIONS.c.id > resolved.after_version_id)
        conditions.append(after)
    return conditions


def _joined() -> Any:
    return VERSIONS.join(REPORTS, REPORTS.c.id == VERSIONS.c.report_id).join(
        SOURCES, SOURCES.c.id == REPORTS.c.source_id
    )


def _removed_query(resolved: ResolvedSelection) -> Any:
    """Reports whose last removed/restored event in the delta's window is 'removed'."""
    assert resolved.since_cutoff is not None
    window = [
        EVENTS.c.kind.in_(("removed", "restored")),
        EVENTS.c.created_at >= resolved.since_cutoff,
        EVENTS.c.created_at < resolved.cutoff,
        EVENTS.c.report_id.is_not(None),
    ]
    last = (
        select(EVENTS.c.report_id, func.max(EVENTS.c.id).label("event_id"))
        .where(*window)
        .group_by(EVENTS.c.report_id)
        .subquery()
    )
    return (
        select(
            REPORTS.c.id, SOURCES.c.name, REPORTS.c.canonical_url, REPORTS.c.title, EVENTS.c.created_at
        )
        .select_from(
            last.join(EVENTS, EVENTS.c.id == last.c.event_id)
            .join(REPORTS, REPORTS.c.id == last.c.report_id)
            .join(SOURCES, SOURCES.c.id == REPORTS.c.source_id)
        )
        .where(EVENTS.c.kind == "removed", *_filters(resolved))
        .order_by(SOURCES.c.name, REPORTS.c.id)
    )


def resolve_selection(conn: Connection, selection: BundleSelection) -> ResolvedSelection:
    """Pin ``selection`` to the catalog; raise a BundleError with one clear line when it cannot be met."""
    base_id = selection.since_bundle
    sources, region, year = selection.sources, selection.region, selection.year
    after_version_id: int | None = None
    since_cutoff: dt.datetime | None = None
    since_label: str | None = None
    if base_id is not None:
        base = conn.execute(select(BUNDLES).where(BUNDLES.c.id == base_id)).mappings().first()
        if base is None:
            raise NotFoundError("bundle", base_id)
        if not selection.has_filters:
            inherited = BundleSelection.from_json(json.loads(base["selection_json"] or "{}"))
            sources, region, year = inherited.sources, inherited.region, inherited.year
        after_version_id = int(base["max_version_id"])
        base_as_of = base["as_of"]
        since_cutoff = (to_utc(base_as_of) + _ONE_US) if base_as_of is not None else _EPOCH
        since_label = f"bundle {base_id}"
    elif selection.since is not None:
        since_cutoff = cutoff_of(selection.since)
        since_label = _label(selection.since)

    source_ids = _source_ids(conn, sources)
    first, last = conn.execute(select(func.min(VERSIONS.c.first_seen), func.max(VERSIONS.c.first_seen))).one()
    if selection.as_of is not None:
        cutoff, as_of_label = cutoff_of(selection.as_of), _label(selection.as_of)
    elif last is not None:
        cutoff = to_utc(last) + _ONE_US
        as_of_label = iso_utc(last)
    else:
        cutoff, as_of_label = _EPOCH + _ONE_US, iso_utc(_EPOCH)
    if since_cutoff is not None and since_cutoff > cutoff:
        raise BadSelectionError(f"since ({since_label}) is later than as-of ({as_of_label})")

    watermark = conn.execute(
        select(func.coalesce(func.max(VERSIONS.c.id), 0)).where(VERSIONS.c.first_seen < cutoff)
    ).scalar_one()
    resolved = ResolvedSelection(
        selection=BundleSelection(
            as_of=selection.as_of, since=selection.since, since_bundle=base_id, sources=sources,
            region=region, year=year, include=selection.include, allow_empty=selection.allow_empty,
        ),
        kind="delta" if selection.is_delta else "snapshot",
        cutoff=cutoff, as_of_label=as_of_label, since_cutoff=since_cutoff, since_label=since_label,
        base_bundle_id=base_id, after_version_id=after_version_id, source_ids=source_ids,
        region=region, year=year, watermark=int(watermark), version_count=0, report_count=0,
        removed_count=0,
    )
    versions, reports = conn.execute(
        select(func.count(VERSIONS.c.id), func.count(func.distinct(VERSIONS.c.report_id)))
        .select_from(_joined())
        .where(*_version_window(resolved), *_filters(resolved))
    ).one()
    removed = 0
    if resolved.kind == "delta":
        removed = conn.execute(select(func.count()).select_from(_removed_query(resolved).subquery())).scalar_one()
    resolved = replace(resolved, version_count=int(versions), report_count=int(reports), removed_count=int(removed))
    if not selection.allow_empty and versions == 0 and removed == 0:
        raise EmptySelectionError(_empty_reason(resolved, first))
    return resolved


def _empty_reason(resolved: ResolvedSelection, first: dt.datetime | None) -> str:
    if first is None:
        return "the archive holds no report yet"
    if resolved.cutoff <= to_utc(first):
        return (
            f"as-of {resolved.as_of_label} is before the archive's first capture "
            f"({iso_utc(first)}); nothing to bundle"
        )
    if resolved.kind == "delta":
        return f"nothing changed since {resolved.since_label} (as of {resolved.as_of_label})"
    parts = [f"{k}={v}" for k, v in resolved.filters.items() if v not in (None, [])]
    return f"no report matches {' '.join(parts) or 'the selection'} as of {resolved.as_of_label}"


def count_captures(conn: Connection, resolved: ResolvedSelection) -> int:
    """How many selected versions have a raw capture with a WARC record."""
    return int(
        conn.execute(
            select(func.count(VERSIONS.c.id))
            .select_from(_joined().join(CAPTURES, CAPTURES.c.id == VERSIONS.c.capture_id))
            .where(*_version_window(resolved), *_filters(resolved), CAPTURES.c.warc_key.is_not(None))
        ).scalar_one()
    )


def iter_selected(conn: Connection, resolved: ResolvedSelection) -> Iterator[list[SelectedVersion]]:
    """The selected versions in bundle order (source name, report id, version number), in batches."""
    if resolved.version_count == 0:
        return
    stmt = (
        select(
            VERSIONS.c.id, VERSIONS.c.report_id, VERSIONS.c.number, VERSIONS.c.url, VERSIONS.c.title,
            VERSIONS.c.text_key, VERSIONS.c.text_hash, VERSIONS.c.raw_key, VERSIONS.c.metadata_json,
            VERSIONS.c.first_seen, VERSIONS.c.capture_id, REPORTS.c.source_id, REPORTS.c.canonical_url,
            SOURCES.c.name, SOURCES.c.title.label("source_title"), SOURCES.c.region, SOURCES.c.level,
            REPORTS.c.division_code, REPORTS.c.publisher_kind, REPORTS.c.department,
        )
        .select_from(_joined())
        .where(*_version_window(resolved), *_filters(resolved))
        .order_by(SOURCES.c.name, REPORTS.c.id, VERSIONS.c.number)
        .limit(BATCH_SIZE)
    )
    after: tuple[str, int, int] | None = None
    while True:
        page = stmt
        if after is not None:
            page = stmt.where(tuple_(SOURCES.c.name, REPORTS.c.id, VERSIONS.c.number) > tuple_(*map(literal, after)))
        rows = conn.execute(page).mappings().all()
        if not rows:
            return
        yield _complete(conn, resolved, rows)
        last = rows[-1]
        after = (last["name"], last["report_id"], last["number"])
        if len(rows) < BATCH_SIZE:
            return


def _complete(conn: Connection, resolved: ResolvedSelection, rows: Sequence[Any]) -> list[SelectedVersion]:
    version_ids = [row["id"] for row in rows]
    capture_ids = sorted({row["capture_id"] for row in rows if row["capture_id"] is not None})
    captures: dict[int, CaptureInfo] = {}
    if capture_ids:
        for c in conn.execute(select(CAPTURES).where(CAPTURES.c.id.in_(capture_ids))).mappings():
            captures[c["id"]] = CaptureInfo(
                id=c["id"], url=c["url"], fetched_at=c["fetched_at"], status=c["status"],
                content_type=c["content_type"], payload_key=c["payload_key"],
                payload_digest=c["payload_digest"], warc_key=c["warc_key"], warc_type=c["warc_type"],
            )
    attachments: dict[int, list[AttachmentInfo]] = {}
    for a in conn.execute(
        select(ATTACHMENTS).where(ATTACHMENTS.c.version_id.in_(version_ids)).order_by(ATTACHMENTS.c.id)
    ).mappings():
        attachments.setdefault(a["version_id"], []).append(
            AttachmentInfo(
                id=a["id"], url=a["url"], name=a["name"], type=a["type"], blob_key=a["blob_key"],
                size=a["size"], sha256=a["sha256"], text_key=a["text_key"], text_status=a["text_status"],
                text_source=a["text_source"], ocr_confidence=a["ocr_confidence"],
            )
        )
    removed = _removed_as_of(conn, resolved, sorted({row["report_id"] for row in rows}))
    return [
        SelectedVersion(
            report_id=row["report_id"], source_id=row["source_id"], source_name=row["name"],
            source_title=row["source_title"], region=row["region"], level=row["level"],
            canonical_url=row["canonical_url"], version_id=row["id"], number=row["number"],
            url=row["url"] or row["canonical_url"], title=row["title"], text_key=row["text_key"],
            text_hash=row["text_hash"], raw_key=row["raw_key"],
            metadata=_metadata(row["metadata_json"]), first_seen=row["first_seen"],
            status="removed" if row["report_id"] in removed else "active",
            capture=captures.get(row["capture_id"]) if row["capture_id"] is not None else None,
            attachments=tuple(attachments.get(row["id"], ())),
            division_code=row["division_code"], publisher_kind=row["publisher_kind"], department=row["department"],
        )
        for row in rows
    ]


def _metadata(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _removed_as_of(conn: Connection, resolved: ResolvedSelection, report_ids: list[int]) -> set[int]:
    """Of ``report_ids``, those whose last removed/restored event before the cutoff is 'removed'."""
    last = (
        select(EVENTS.c.report_id, func.max(EVENTS.c.id).label("event_id"))
        .where(
            EVENTS.c.report_id.in_(report_ids),
            EVENTS.c.kind.in_(("removed", "restored")),
            EVENTS.c.created_at < resolved.cutoff,
        )
        .group_by(EVENTS.c.report_id)
        .subquery()
    )
    rows = conn.execute(
        select(EVENTS.c.report_id).select_from(last.join(EVENTS, EVENTS.c.id == last.c.event_id)).where(
            EVENTS.c.kind == "removed"
        )
    )
    return {row[0] for row in rows}


def iter_removed(conn: Connection, resolved: ResolvedSelection) -> Iterator[RemovedReport]:
    """A delta's reports removed in its window, in bundle order."""
    if resolved.kind != "delta" or resolved.removed_count == 0:
        return
    for row in conn.execute(_removed_query(resolved)):
        yield RemovedReport(
            report_id=row[0], source_name=row[1], canonical_url=row[2], title=row[3], removed_at=row[4]
        )


__all__ = [
    "INCLUDE_CHOICES", "AttachmentInfo", "BundleSelection", "CaptureInfo", "RemovedReport",
    "ResolvedSelection", "SelectedVersion", "cutoff_of", "iso_utc", "iter_removed", "iter_selected",
    "resolve_selection", "to_utc",
]
