"""Alerts: subscriptions, the outbox dispatcher, Atom feeds, source health and overdue reports.

The catalog's ``events`` table is the outbox: the archive writes an event in the same transaction
as the version that caused it; :func:`dispatch` fans events out into ``deliveries`` (one per
matching subscription) and sends them through Apprise, retrying until the channel accepts.
Imports ``archive`` and third-party libraries only: the application hands in its options and
translations as values (``AlertOptions``, :mod:`alerts.speech`).
"""

from __future__ import annotations

from .dispatcher import DispatchStats, dispatch, fan_out, retry_failed, send_due
from .feeds import FeedNotFoundError, render_feed
from .health import HealthChange, check_source_health
from .options import AlertOptions
from .overdue import OverdueDivision, OverdueSource, overdue_divisions, overdue_sources, raise_overdue_events

__all__ = [
    "AlertOptions",
    "DispatchStats",
    "FeedNotFoundError",
    "HealthChange",
    "OverdueDivision",
    "OverdueSource",
    "check_source_health",
    "dispatch",
    "fan_out",
    "overdue_divisions",
    "overdue_sources",
    "raise_overdue_events",
    "render_feed",
    "retry_failed",
    "send_due",
]
