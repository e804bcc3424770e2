"""Attribute the catalog's reports in bulk: the migration's backfill and ``reports attribute``.

Plain SQL on a connection (the ORM models may be newer than the schema a migration sees).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from archive.attribution import attribute
from archive.divisions import Registry

_SELECT = (
    "SELECT r.id, r.title, r.publisher, r.division_code, r.publisher_kind, r.department, r.attributed_by, "
    "s.division_code AS source_division, s.region, s.title AS source_title, v.metadata_json "
    "FROM reports r JOIN sources s ON s.id = r.source_id "
    "LEFT JOIN versions v ON v.report_id = r.id AND v.number = r.current_version "
    "WHERE r.id > :after {only} ORDER BY r.id LIMIT :batch"
)
_ROWS = text(_SELECT.format(only=""))
_SOURCE_ROWS = text(_SELECT.format(only="AND r.source_id = :source"))
_UPDATE = text(
    "UPDATE reports SET division_code = :division_code, publisher_kind = :publisher_kind, "
    "department = :department, attributed_by = :attributed_by WHERE id = :id"
)
_SOURCES = text("SELECT id, definition_json FROM sources WHERE division_code IS NULL")
_SOURCE_UPDATE = text("UPDATE sources SET division_code = :code WHERE id = :id")


def _site_code(metadata_json: str | None) -> str | None:
    try:
        value = json.loads(metadata_json or "{}").get("site_code")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def sync_source_divisions(connection: Connection) -> int:
    """Copy ``division_code`` from each source's definition into its row where the row lacks it."""
    changed = 0
    for row in connection.execute(_SOURCES).all():
        try:
            code = json.loads(row.definition_json or "{}").get("division_code")
        except ValueError:
            continue
        if isinstance(code, str) and code:
            connection.execute(_SOURCE_UPDATE, {"code": code, "id": row.id})
            changed += 1
    return changed


def attribute_reports(connection: Connection, registry: Registry, *, source_id: int | None = None,
                      batch: int = 500) -> dict[str, Any]:
    """Re-attribute every report (of one source when given); return ``{"reports": n, "changed": n,
    "attributed": n}``."""
    sync_source_divisions(connection)
    after, seen, changed, attributed = 0, 0, 0, 0
    while True:
        if source_id is None:
            rows = connection.execute(_ROWS, {"after": after, "batch": batch}).all()
        else:
            rows = connection.execute(_SOURCE_ROWS, {"after": after, "batch": batch, "source": source_id}).all()
        if not rows:
            break
        for row in rows:
            after = row.id
            seen += 1
            found = attribute(
                registry, publisher=row.publisher, title=row.title, site_code=_site_code(row.metadata_json),
                source_division=row.source_division, source_names=(row.region or "", row.source_title or ""),
            ).as_dict()
            attributed += found["division_code"] is not None
            now = (row.division_code, row.publisher_kind, row.department, row.attributed_by)
            if now != tuple(found.values()):
                connection.execute(_UPDATE, {**found, "id": row.id})
                changed += 1
    return {"reports": seen, "changed": changed, "attributed": attributed}
