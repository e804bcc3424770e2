"""Timestamps as the catalog keeps them: aware UTC in and out (SQLModel's UTCDateTime)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, aware UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as aware UTC; a naive value is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
