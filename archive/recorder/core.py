"""The Archive's plumbing: sessions, one transaction per exchange (retried on a unique race),
batches, the source cache and events. Every other part of the recorder builds on ``ArchiveCore``."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from archive.catalog.models import Event, Report, Source
from archive.errors import CatalogConflictError
from archive.recorder.lookups import Lookups
from archive.recorder.rows import new_row
from archive.storage import BlobStore

T = TypeVar("T")

_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording one page did."""

    outcome: str  # new / changed / unchanged / moved / not_modified / missing / removed / restored / blocked
    report_id: int | None = None
    version: int | None = None  # the report's current version number after recording


class _ClosingSession(Session):
    """A session whose helpers in ``info`` (lookups, ids) end when it closes.

    They refer back to the session: a cycle only the garbage collector frees, which kept several
    batches of rows and page texts alive at once (the writer process's memory grew by ~30 MB).
    """

    def close(self) -> None:
        super().close()
        self.info.clear()


class ArchiveCore:
    """Catalog + object store: the transactions every recording runs in."""

    def __init__(self, engine: Engine, store: BlobStore, *, removal_checks: int = 3) -> None:
        if removal_checks < 1:
            raise ValueError(f"removal_checks must be at least 1, not {removal_checks!r}")
        self.engine = engine
        self.store = store
        self.removal_checks = removal_checks
        self._batch = threading.local()
        self._source_ids: dict[str, int] = {}  # checked against the name on use (a rolled-back id)

    # -- plumbing --------------------------------------------------------------------------
    def _session(self) -> Session:
        return _ClosingSession(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Recordings made inside (in this thread) share one catalog transaction and one store sync.

        On a clean exit every object written is made durable first (a folder store syncs once
        for all of them), then the rows naming them are committed; on an error nothing is
        committed and the unsynced objects are dropped. ``record_listing`` reads committed
        state and does not belong in a batch. See ``archive.batch.record_batch``.
        """
        if getattr(self._batch, "db", None) is not None:
            raise RuntimeError("batches do not nest")
        deferred = getattr(self.store, "deferred", None)
        with deferred() if callable(deferred) else contextlib.nullcontext(), self._session() as db:
            self._batch.db, self._batch.sources = db, {}
            try:
                yield
                Lookups.of(db).write_captures()
                db.flush()
                flush = getattr(self.store, "flush", None)
                if callable(flush):
                    flush()  # objects durable before any row that names them is committed
                db.commit()
            finally:
                self._batch.db = self._batch.sources = None

    def _batch_session(self) -> Session | None:
        """The session of the batch open in this thread, if any."""
        return getattr(self._batch, "db", None)

    def _transact(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; retry when a concurrent writer won a unique race.

        Inside ``batch()`` the work joins the batch's transaction (no retry: the batch fails whole).
        """
        batch_db: Session | None = getattr(self._batch, "db", None)
        if batch_db is not None:
            return work(batch_db)
        for attempt in range(_ATTEMPTS):
            with self._session() as db:
                try:
                    result = work(db)
                    Lookups.of(db).write_captures()
                    db.commit()
                    return result
                except IntegrityError as exc:
                    db.rollback()
                    if attempt == _ATTEMPTS - 1:
                        raise CatalogConflictError(str(exc.orig).splitlines()[0]) from exc
        raise AssertionError("unreachable")

    def _source(self, db: Session, name: str) -> Source:
        in_batch: dict[str, Source] | None = getattr(self._batch, "sources", None)
        if in_batch is not None and db is getattr(self._batch, "db", None) and name in in_batch:
            return in_batch[name]
        source = self._lookup_source(db, name)
        if in_batch is not None and db is getattr(self._batch, "db", None):
            in_batch[name] = source
        return source

    def _lookup_source(self, db: Session, name: str) -> Source:
        known = self._source_ids.get(name)
        if known is not None:
            # by primary key: a batch's session answers from its identity map, without SQL
            cached = db.get(Source, known)
            if cached is not None and cached.name == name:
                return cached
        source = db.exec(select(Source).where(Source.name == name)).first()
        if source is None:
            source = Source(name=name)
            db.add(source)
            db.flush()
        assert source.id is not None
        self._source_ids[name] = source.id
        return source

    @staticmethod
    def _report_by_url(db: Session, url: str) -> Report | None:
        return Lookups.of(db).report(url)

    @staticmethod
    def _event(
        db: Session, kind: str, report: Report, *, version_id: int | None = None, **detail: Any
    ) -> None:
        source = db.get(Source, report.source_id)
        document = {"source": source.name if source else None, "url": report.canonical_url, **detail}
        db.add(
            new_row(
                Event,
                kind=kind,
                source_id=report.source_id,
                report_id=report.id,
                version_id=version_id,
                title=report.title,
                detail_json=json.dumps(document, ensure_ascii=False, sort_keys=True),
            )
        )
