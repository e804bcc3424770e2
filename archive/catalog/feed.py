"""Feed rows (events, versions) get their ids in commit order, so cursor readers never skip one.

The alert dispatcher, ``/api/changes`` and delta bundles (``--since-bundle``) read "rows with an id
above my cursor". On PostgreSQL a sequence hands out ids when rows are inserted, not when they
commit: a transaction holding id 5 may commit after another committed id 6, and a reader that saw
6 moves its cursor past 5 for good.

The fix chosen: a transaction takes one transaction-scoped advisory lock just before it first
flushes a feed row, and holds it until it commits or rolls back. Ids are therefore drawn in the
order the writers commit, and a reader that sees id N committed also sees every id below N that
will ever commit. Why this and not the alternatives:

- reading only below the oldest in-flight transaction (``pg_snapshot_xmin(pg_current_snapshot())``
  against a per-row xid column) is sound only for a cursor over xids, not over ids; it needs a
  column, an index and the same rule in every reader, and its readers lag behind any long
  transaction, whatever it writes;
- a settle window (wait N seconds at a gap) is a guess: a transaction slower than N still loses
  its rows, and every gap from a rollback costs N seconds of delay.

The cost is that writers of feed rows serialise from their first feed row to commit: short in
this code (a page's objects are written to the store before its feed rows are added; the rows
that follow are a few inserts). SQLite needs nothing: one writer holds the database lock from its
first write to its commit, so its ids are in commit order already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from archive.catalog.models import Event, Version

FEED_TABLES = (Event, Version)
FEED_LOCK_KEY = 0x67766172  # "gvar": one advisory lock for every feed table
_HELD = "govarchive_feed_lock"


def _wants_lock(session: Session) -> bool:
    if session.info.get(_HELD):
        return False
    if not any(isinstance(obj, FEED_TABLES) for obj in session.new):
        return False
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def hold_feed_lock(session: Session) -> None:
    """Take the feed lock for the rest of ``session``'s transaction, unless it holds it (PostgreSQL
    only). Called before a feed row's id is drawn: at its flush, or before its id is handed out
    ahead of the INSERT (``archive/recorder/ids.py``)."""
    if session.info.get(_HELD) or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})
    session.info[_HELD] = True


@event.listens_for(Session, "before_flush")
def _lock_before_feed_rows(session: Session, _context: Any, _instances: Any) -> None:
    if _wants_lock(session):
        hold_feed_lock(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended: the lock went with it
        session.info.pop(_HELD, None)
