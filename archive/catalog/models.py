"""The catalog's tables (SQLModel).

One row per thing the archive knows: sources, reports and the URLs they were seen at, versions,
captures (every fetch), attachments, events (the alert outbox), crawl runs, subscriptions and
their deliveries, bundles. Object bytes live in the object store; rows name them by key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapper, relationship
from sqlmodel import Field, SQLModel

from archive.timeutil import utcnow  # stored naive-UTC by SQLite, aware by PostgreSQL


class Source(SQLModel, table=True):
    """A portal column the archive follows; its definition lives in TOML, mirrored here."""

    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=100)
    title: str = ""
    region: str = ""
    level: str = ""  # province / city / county / department
    division_code: str | None = Field(default=None, max_length=6, index=True)  # GB/T 2260 code of its government
    definition_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    health: str = "ok"  # ok / failing / blocked
    consecutive_failures: int = 0
    usual_link_count: int | None = None  # report links a listing usually yields
    last_run_at: dt.datetime | None = None
    last_run_status: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    """One report, stable across versions and URL moves."""

    __tablename__ = "reports"
    __table_args__ = (
        # a source's reports newest first, and per-source counts by status, without a table scan
        Index("ix_reports_source_last_changed", "source_id", "last_changed"),
        Index("ix_reports_source_status", "source_id", "status"),
        # coverage: a division's reports of one year, by publisher kind
        Index("ix_reports_division_year", "division_code", "report_year", "publisher_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    canonical_url: str = Field(unique=True, max_length=2048)
    title: str = ""
    publisher: str | None = None
    pub_date: dt.date | None = None
    report_year: int | None = Field(default=None, index=True)
    division_code: str | None = Field(default=None, max_length=6)  # whose report (archive/attribution.py)
    publisher_kind: str | None = Field(default=None, max_length=20)  # government / department
    department: str | None = None  # the department's name when publisher_kind is department
    attributed_by: str | None = Field(default=None, max_length=20)  # publisher / title / site_code / source
    index_no: str | None = None
    doc_no: str | None = None
    status: str = "active"  # active / removed
    missing_checks: int = 0  # consecutive 404/410/soft-404/absent-from-listing checks
    current_version: int = 0
    text_hash: str | None = Field(default=None, index=True)
    metadata_hash: str | None = None  # of the current version (archive/changes.py)
    missing_run_id: int | None = None  # run that last counted a missing check (one per run)
    etag: str | None = None
    last_modified: str | None = None
    first_seen: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)
    last_checked: dt.datetime = Field(default_factory=utcnow)
    last_changed: dt.datetime = Field(default_factory=utcnow, index=True)


class ReportUrl(SQLModel, table=True):
    """Every URL a report was seen at (moves keep the report)."""

    __tablename__ = "report_urls"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    url: str = Field(unique=True, max_length=2048)
    first_seen: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)


class Version(SQLModel, table=True):
    """A distinct state of a report: new text or new metadata."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    number: int
    text_hash: str = Field(index=True)
    metadata_hash: str
    title: str = ""
    metadata_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    text_key: str  # object-store key of the normalised text (UTF-8)
    raw_key: str | None = None  # key of the raw body of the capture that produced it
    capture_id: int | None = Field(default=None, foreign_key="captures.id")
    url: str = ""
    first_seen: dt.datetime = Field(default_factory=utcnow, index=True)
    last_seen: dt.datetime = Field(default_factory=utcnow)
    chars_added: int = 0
    chars_removed: int = 0
    paragraphs_changed: int = 0
    diff_summary: str | None = None
    text_source: str | None = None  # html / text_layer / ocr / converter (None: recorded before 0004)
    ocr_confidence: float | None = None  # OCR text: Tesseract's mean word confidence, 0–100


class Capture(SQLModel, table=True):
    """Every fetch of a report page: what came back, where the raw record is."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_url_fetched_at", "url", "fetched_at"),
        Index("ux_captures_dedup_key", "dedup_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(default=None, foreign_key="sources.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="reports.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="crawl_runs.id", index=True)
    url: str = Field(max_length=2048)
    fetched_at: dt.datetime = Field(default_factory=utcnow, index=True)
    status: int = 0
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None  # sha256 hex of the response body
    payload_key: str | None = None  # object key of the body
    warc_key: str | None = None  # object key of the WARC record(s) of this exchange
    outcome: str = ""  # new / changed / unchanged / not_modified / missing / blocked / error
    warc_type: str | None = None  # response / revisit: what the WARC object holds besides the request
    dedup_key: str | None = Field(default=None, max_length=64)  # unique: one row per recorded exchange


class Attachment(SQLModel, table=True):
    """A file linked from a version (PDF, DOCX, DOC, WPS, OFD …)."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="versions.id", index=True)
    url: str = Field(max_length=2048)
    name: str = ""
    type: str = ""
    blob_key: str | None = None
    size: int | None = None
    sha256: str | None = None
    text_key: str | None = None
    text_status: str = "not fetched"
    text_source: str | None = None  # text_layer / ocr / converter, when there is text
    ocr_confidence: float | None = None


class Event(SQLModel, table=True):
    """Something that happened, recorded with its cause: also the alerts outbox and the changes feed.

    The id is the cursor of the "changes since" API and of the alert dispatcher.
    """

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # new / changed / removed / restored / source_failing / source_recovered / overdue
    source_id: int | None = Field(default=None, foreign_key="sources.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="reports.id", index=True)
    version_id: int | None = Field(default=None, foreign_key="versions.id")
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    title: str = ""
    detail_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class CrawlRun(SQLModel, table=True):
    """One crawl: who started it, how it ended, its statistics."""

    __tablename__ = "crawl_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: dt.datetime = Field(default_factory=utcnow, index=True)
    finished_at: dt.datetime | None = None
    status: str = "running"  # archive.outcomes.Outcome
    trigger: str = "cli"  # cli / schedule / demo / worker / web
    sources: str = ""  # comma-separated names
    pid: int | None = None
    error: str | None = None
    stats_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class SourceRun(SQLModel, table=True):
    """Per-source counts of one crawl run."""

    __tablename__ = "source_runs"
    __table_args__ = (UniqueConstraint("run_id", "source_id", name="uq_source_run"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawl_runs.id", index=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    status: str = "running"  # archive.outcomes.Outcome
    discovered: int = 0
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0  # re-checked and found the same
    not_checked: int = 0  # known pages the re-check cadence skipped this run
    resumed: int = 0  # recorded by the interrupted run this one resumed
    removed: int = 0
    blocked: int = 0
    errors: int = 0
    report_links: int = 0  # report links the listing yielded (template-change detection)
    error: str | None = None


class Subscription(SQLModel, table=True):
    """Who wants to hear about what, through which Apprise URL."""

    __tablename__ = "subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))  # Apprise URL (a secret: mask when shown)
    source: str | None = None
    region: str | None = None
    level: str | None = None
    keyword: str | None = None
    events: str = "new,changed,removed"
    digest: str = "immediate"  # immediate / daily
    active: bool = True
    label: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_digest_at: dt.datetime | None = None


class Delivery(SQLModel, table=True):
    """One event for one subscription: pending until the channel accepted it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="uq_delivery"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    subscription_id: int = Field(foreign_key="subscriptions.id", index=True)
    status: str = "pending"  # pending / sending / sent / failed
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    sent_at: dt.datetime | None = None
    idempotency_key: str = ""


class DispatchCursor(SQLModel, table=True):
    """How far the dispatcher has fanned events out into deliveries."""

    __tablename__ = "dispatch_cursor"

    name: str = Field(primary_key=True)
    last_event_id: int = 0


class Bundle(SQLModel, table=True):
    """A snapshot bundle that was created."""

    __tablename__ = "bundles"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    as_of: dt.datetime | None = None
    since: dt.datetime | None = None
    base_bundle_id: int | None = Field(default=None, foreign_key="bundles.id")
    selection_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    format: str = "zip"
    key: str | None = None  # object key when stored in the object store
    path: str | None = None  # local path when written to a file
    size: int = 0
    sha256: str = ""
    report_count: int = 0
    version_count: int = 0
    max_version_id: int = 0  # what a delta bundle on top of this one starts after


class WebUser(SQLModel, table=True):
    """Someone who may log in to the web app; ``admin`` may change state (sources, alerts, bundles)."""

    __tablename__ = "web_users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=100)
    password_hash: str  # pbkdf2_sha256$ROUNDS$SALT$HEXDIGEST, never the password
    admin: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


def _insert_parents_first() -> None:
    """Tell the ORM which rows a new row names, so one flush inserts parents before children.

    The recorder gives new reports, captures and versions their ids before they are inserted
    (``archive/recorder/ids.py``) and flushes a whole batch at once. Without relationships the
    unit of work orders tables by class name (captures before reports), and the foreign keys
    fail. These relationships exist only for that order: they are never set or read (reading one
    raises), and they change no column.
    """
    children: tuple[tuple[type[SQLModel], str, type[SQLModel]], ...] = (
        (Capture, "report_id", Report), (Version, "report_id", Report), (Version, "capture_id", Capture),
        (ReportUrl, "report_id", Report), (Attachment, "version_id", Version),
        (Event, "report_id", Report), (Event, "version_id", Version),
    )
    for child, column, parent in children:
        mapper: Mapper[Any] = inspect(child)
        mapper.add_property(f"_parent_{column}",
                            relationship(parent, foreign_keys=[mapper.local_table.c[column]], lazy="raise"))


_insert_parents_first()
