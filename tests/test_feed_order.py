"""Cursor readers never skip a committed row: concurrent writers commit in random order while the alert
dispatcher, the changes feed (``/api/changes``) and a chain of delta bundles follow their cursors.

10,000 events (and as many versions) on SQLite and on a real PostgreSQL; every reader must end having
seen each committed row exactly once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.dispatcher import fan_out
from alerts.options import AlertOptions
from archive.bundles.select import BUNDLES, BundleSelection, iter_selected, resolve_selection
from archive.catalog.database import create_catalog_engine, init_catalog
from archive.catalog.models import Delivery, Event, Report, Source, Subscription, Version
from archive.queries import events_after

EVENTS = 10_000
PER_TRANSACTION = 20
WRITERS = 4
REPORTS = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def feed_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_catalog_engine(url)
    init_catalog(engine)
    with Session(engine) as db:
        db.add(Source(name="s"))
        db.add(Subscription(url="json://127.0.0.1:9/", created_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        db.commit()
        for n in range(REPORTS):
            db.add(Report(source_id=1, canonical_url=f"http://example.test/r{n}.html"))
        db.commit()
    yield engine
    engine.dispose()  # its pooled connections, closed now rather than by the garbage collector


def _writer(engine: Engine, batches: int, numbers: itertools.count[int], seed: int) -> None:
    """Transactions of a few versions and events each, held open a random while before committing."""
    rng = random.Random(seed)
    for _ in range(batches):
        with Session(engine) as db:
            for _ in range(PER_TRANSACTION):
                number = next(numbers)
                report_id = number % REPORTS + 1
                db.add(Version(report_id=report_id, number=number, text_hash="t", metadata_hash="m",
                               text_key=f"{number:064x}", first_seen=dt.datetime.now(dt.UTC)))
                db.add(Event(kind="new", source_id=1, report_id=report_id, title=str(number)))
            db.flush()
            time.sleep(rng.random() * 0.002)  # others commit meanwhile: ids commit out of order without the lock
            db.commit()


def _changes_reader(engine: Engine, seen: list[int]) -> Callable[[], None]:
    cursor = [0]

    def read() -> None:
        while items := events_after(engine, cursor[0], limit=500, kinds=("new",)):
            seen.extend(item["id"] for item in items)
            cursor[0] = items[-1]["id"]

    return read


def _bundle_reader(engine: Engine, seen: list[int]) -> Callable[[], None]:
    """A chain of delta bundles, each on the previous one (the read side of ``--since-bundle``)."""
    base: list[int | None] = [None]

    def read() -> None:
        with engine.connect() as conn:
            selection = BundleSelection(since_bundle=base[0], allow_empty=True) if base[0] else BundleSelection(
                allow_empty=True)
            resolved = resolve_selection(conn, selection)
            ids = [v.version_id for batch in iter_selected(conn, resolved) for v in batch]
            if not ids and base[0] is not None:
                return  # nothing new: no bundle
            row = conn.execute(insert(BUNDLES).values(
                created_at=dt.datetime.now(dt.UTC), as_of=resolved.as_of, selection_json=json.dumps({}),
                format="zip", size=0, sha256="", report_count=0, version_count=len(ids),
                max_version_id=resolved.watermark).returning(BUNDLES.c.id)).scalar_one()
            conn.commit()
        seen.extend(ids)
        base[0] = int(row)

    return read


def test_cursor_readers_miss_nothing_and_repeat_nothing(feed_engine: Engine) -> None:
    options = AlertOptions(batch_size=500)
    numbers = itertools.count(1)
    batches = EVENTS // PER_TRANSACTION // WRITERS
    writers = [threading.Thread(target=_writer, args=(feed_engine, batches, numbers, seed)) for seed in range(WRITERS)]
    changes: list[int] = []
    bundled: list[int] = []
    readers = {"changes": _changes_reader(feed_engine, changes), "bundles": _bundle_reader(feed_engine, bundled),
               "dispatcher": lambda: fan_out(feed_engine, options)}
    readers["bundles"]()  # the chain starts with an empty snapshot: every later bundle is a delta
    done = threading.Event()
    failures: list[BaseException] = []

    def follow(read: Callable[[], None]) -> None:
        try:
            while not done.is_set():
                read()
                time.sleep(0.005)
            read()  # once more after the last commit
        except BaseException as exc:  # noqa: BLE001 — reported by the test below
            failures.append(exc)

    followers = [threading.Thread(target=follow, args=(read,)) for read in readers.values()]
    for thread in writers + followers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in followers:
        thread.join()
    assert not failures, failures

    with Session(feed_engine) as db:
        events = set(db.exec(select(Event.id)).all())
        versions = set(db.exec(select(Version.id)).all())
        fanned = list(db.exec(select(Delivery.event_id)).all())
    total = WRITERS * batches * PER_TRANSACTION
    assert len(events) == len(versions) == total >= 9_990
    for name, seen, committed in (("changes", changes, events), ("bundles", bundled, versions),
                                  ("dispatcher", fanned, events)):
        missed, duplicated = committed - set(seen), len(seen) - len(set(seen))
        assert (name, len(missed), duplicated) == (name, 0, 0)


def test_a_version_id_handed_out_before_its_insert_is_drawn_under_the_feed_lock(postgres_url: str) -> None:
    """The recorder gives versions their ids ahead of the INSERT (archive/recorder/ids.py); on
    PostgreSQL that id must still be drawn under the feed lock, or a reader could skip it."""
    from sqlalchemy import text

    from archive.catalog.feed import FEED_LOCK_KEY
    from archive.recorder.ids import Ids

    engine = create_catalog_engine(postgres_url)
    init_catalog(engine)
    probe = text("SELECT pg_try_advisory_xact_lock(:key)")
    try:
        with Session(engine) as db, Session(engine) as other:
            Ids.of(db).next(Report)
            assert other.execute(probe, {"key": FEED_LOCK_KEY}).scalar() is True  # reports are no feed rows
            other.rollback()
            first = Ids.of(db).next(Version)
            assert other.execute(probe, {"key": FEED_LOCK_KEY}).scalar() is False
            other.rollback()
            assert Ids.of(db).next(Version) == first + 1
            db.rollback()
            assert other.execute(probe, {"key": FEED_LOCK_KEY}).scalar() is True  # it ended with the transaction
            other.rollback()
    finally:
        engine.dispose()
