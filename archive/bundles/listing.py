"""The bundles recorded in the catalog, for ``bundle list`` and the web app's downloads."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from archive.errors import NotFoundError

from .select import BUNDLES, iso_utc


@dataclass(frozen=True, slots=True)
class BundleRecord:
    """One row of the bundles table."""

    id: int
    created_at: dt.datetime
    kind: str  # snapshot / delta
    format: str
    as_of: dt.datetime | None
    since: dt.datetime | None
    base_bundle_id: int | None
    selection: dict[str, Any]
    key: str | None
    path: str | None
    size: int
    sha256: str
    report_count: int
    version_count: int
    max_version_id: int

    @property
    def filename(self) -> str:
        """A download name: ``govarchive-<kind>-<as-of date>-<id>.<format>``."""
        day = self.as_of.date().isoformat() if self.as_of else "undated"
        return f"govarchive-{self.kind}-{day}-{self.id}.{self.format}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": iso_utc(self.created_at),
            "kind": self.kind,
            "format": self.format,
            "as_of": iso_utc(self.as_of) if self.as_of else None,
            "since": iso_utc(self.since) if self.since else None,
            "base_bundle_id": self.base_bundle_id,
            "selection": self.selection,
            "key": self.key,
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "reports": self.report_count,
            "versions": self.version_count,
            "max_version_id": self.max_version_id,
            "filename": self.filename,
        }


def _record(row: Any) -> BundleRecord:
    try:
        selection = json.loads(row["selection_json"] or "{}")
    except ValueError:
        selection = {}
    delta = row["base_bundle_id"] is not None or row["since"] is not None
    return BundleRecord(
        id=row["id"], created_at=row["created_at"], kind="delta" if delta else "snapshot",
        format=row["format"], as_of=row["as_of"], since=row["since"], base_bundle_id=row["base_bundle_id"],
        selection=selection, key=row["key"], path=row["path"], size=row["size"], sha256=row["sha256"],
        report_count=row["report_count"], version_count=row["version_count"],
        max_version_id=row["max_version_id"],
    )


def list_bundles(engine: Engine) -> list[BundleRecord]:
    """Every recorded bundle, oldest first."""
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(select(BUNDLES).order_by(BUNDLES.c.id)).mappings()]


def get_bundle(engine: Engine, bundle_id: int) -> BundleRecord:
    """One recorded bundle; NotFoundError when there is none with that id."""
    with engine.connect() as conn:
        row = conn.execute(select(BUNDLES).where(BUNDLES.c.id == bundle_id)).mappings().first()
    if row is None:
        raise NotFoundError("bundle", bundle_id)
    return _record(row)
