"""The archive writer's batches committed in a process of their own.

The writer thread (``crawler.workers.writer``) shares the crawl process's interpreter lock with
Scrapy's reactor; its catalog and store work (ORM flushes, compression, hashing) is the larger
part of a page's CPU. With an ``ArchiveAddress`` the thread hands each batch to a child process
that opens the same archive (catalog URL, store URL) and runs ``archive.batch.record_batch``
there, on the machine's other core; the thread keeps the order, the backpressure and the
after-commit steps. A batch is committed in one transaction by the child exactly as by the
thread, so a crawl killed anywhere leaves what it left before (the child dies with its parent).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from crawler.heap import settle_after_start_up
from crawler.workers.lifetime import die_with_parent
from crawler.workers.spawn import RemoteError, portable, prestart, start_worker, stop_worker

if TYPE_CHECKING:
    from archive.batch import Recording
    from archive.recorder import Archive, RecordResult
    from archive.storage import StoreOptions
    from crawler.config import CrawlConfig

logger = logging.getLogger(__name__)
WRITER_ROLE = "ga-writer"  # the process name


@dataclass(frozen=True, slots=True)
class ArchiveAddress:
    """Where a writer process finds the crawl's archive (plain values that pickle)."""

    catalog_url: str
    store: StoreOptions
    removal_checks: int = 3

    @property
    def shareable(self) -> bool:
        """Whether another process can open the same catalog (not an in-memory SQLite)."""
        from archive.catalog.database import is_memory_catalog

        return not is_memory_catalog(self.catalog_url)


def writer_address(crawl: CrawlConfig) -> ArchiveAddress | None:
    """Where a writer process finds the archive, when page work runs in processes (page workers
    not 0) and the catalog can be opened by another process; None keeps the writer a thread."""
    if crawl.page_workers == 0 or not crawl.catalog_url or crawl.store is None:
        return None
    address = ArchiveAddress(crawl.catalog_url, crawl.store, crawl.removal_checks)
    return address if address.shareable else None


def start_ahead(address: ArchiveAddress) -> int:
    """Start the writer process for ``address`` now, for the crawl's first batch to find ready; its id."""
    return prestart(f"{__name__}:serve", address, os.getpid())


def _open(address: ArchiveAddress) -> Archive:
    """The archive at ``address``, already migrated by the crawl process (no schema check here)."""
    from archive.recorder import open_archive

    return open_archive(address.catalog_url, address.store, removal_checks=address.removal_checks, migrate=False)


def serve(conn: Connection, address: ArchiveAddress, parent: int) -> None:
    """The writer process: batches in, results out, until the pipe closes or ``None`` arrives."""
    die_with_parent(parent, WRITER_ROLE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl process decides when we stop
    from archive.batch import record_batch

    archive = _open(address)
    settle_after_start_up()  # the catalog's mappers stay for the whole crawl (crawler/heap.py: frozen only)
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            break
        if batch is None:
            break
        try:
            results = [portable(r) for r in record_batch(archive, batch)]
        except Exception as exc:  # noqa: BLE001 — every recording of the batch hears of it
            results = [portable(exc)] * len(batch)
        conn.send(results)
    archive.engine.dispose()


class WriterProcess:
    """A child process committing batches for one archive; used from the writer thread only."""

    def __init__(self, address: ArchiveAddress) -> None:
        self.address = address
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    def start(self) -> None:
        """Start the child now (its imports overlap the crawl's first pages), unless it runs."""
        if self._conn is None:
            self._start()

    def _start(self) -> Connection:
        self._process, sock = start_worker(f"{__name__}:serve", self.address, os.getpid())
        self._conn = Connection(sock.detach())
        return self._conn

    def record_batch(self, batch: Sequence[Recording]) -> list[RecordResult | Exception]:
        """``archive.batch.record_batch`` in the child; a child that died is started again once
        and the batch sent again (recording is idempotent)."""
        for attempt in (1, 2):
            conn = self._conn or self._start()
            try:
                conn.send(list(batch))
                results: list[RecordResult | Exception] = conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                self._reap()
                if attempt == 2:
                    return [RuntimeError(f"archive writer process died: {exc!r}")] * len(batch)
                logger.warning("archive writer process died (%r); starting it again", exc)
                continue
            return [r.restored() if isinstance(r, RemoteError) else r for r in results]
        raise AssertionError("unreachable")

    def pid(self) -> int | None:
        """The child's process id (None before the first batch)."""
        return self._process.pid if self._process is not None else None

    def _reap(self) -> None:
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            conn.close()
        if process is not None:
            stop_worker(process)

    def close(self) -> None:
        """Let the child finish and wait for it (its CPU time is then counted as the crawl's)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        self._reap()
