"""The one set of UTC helpers: timestamps as the catalog keeps them, aware UTC in and out.

SQLite hands back naive datetimes (they were written as UTC); PostgreSQL aware ones. Every layer
reads both through :func:`as_utc` and takes "now" from :func:`utcnow`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def utcnow() -> dt.datetime:
    """Now, aware UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as aware UTC; a naive value is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def as_utc_or_none(value: Any) -> dt.datetime | None:
    """:func:`as_utc` of a datetime; ``None`` for anything else (an unset or unparsed column)."""
    return as_utc(value) if isinstance(value, dt.datetime) else None
