"""Primary keys handed out before the INSERT, so a batch needs no flush per row.

Recording a new report makes a report, a capture and a version that name each other by id. Asking
the database for each id means one ORM flush per row (three per report, most of a batch's catalog
time). ``Ids.of(session).next(Model)`` gives the id the database would have given instead, and the
rows are inserted together when the batch flushes, in one statement per table.

* SQLite: the transaction first takes the write lock (no other writer can insert until commit),
  then the next id of a table is its largest id + 1, exactly what SQLite would pick.
* PostgreSQL: ids come from the column's own sequence (``nextval``), as an INSERT would take them;
  concurrent writers never share one. A feed table's id (versions) is drawn under the feed lock,
  as its INSERT would be (``archive/catalog/feed.py``: cursor readers never skip a row).

The allocator lives in the session's ``info`` and so ends with its transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from archive.catalog.feed import FEED_TABLES, hold_feed_lock
from archive.recorder.scoped import SessionScoped


class Ids(SessionScoped):
    """Next primary keys of one transaction; get it with ``Ids.of(session)``."""

    info_key = "govarchive.ids"

    def __init__(self, db: Session) -> None:
        super().__init__(db)
        self._next: dict[str, int] = {}  # table → next id (SQLite)
        self._locked = False

    def next(self, model: Any) -> int:
        """The id the next row of ``model``'s table gets."""
        table = model.__table__
        connection = self.db.connection()
        if connection.dialect.name == "postgresql":
            if model in FEED_TABLES:
                hold_feed_lock(self.db)  # feed ids are drawn in commit order (archive/catalog/feed.py)
            query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id'))")
            return int(connection.execute(query, {"table": table.name}).scalar_one())
        if not self._locked:
            # Any write takes SQLite's write lock for the rest of the transaction (pysqlite opens
            # it before the first data-changing statement); this one changes nothing.
            connection.exec_driver_sql(f"UPDATE {table.name} SET id = id WHERE 0")
            self._locked = True
        if table.name not in self._next:
            largest = connection.execute(select(func.max(table.c.id))).scalar()
            self._next[table.name] = (largest or 0) + 1
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value
