"""The archive writer: one thread per archive that group-commits what the pipelines hand it.

``await writer.record(recording)`` queues one recording and resolves with its result once the
batch holding it is committed. A batch closes at ``max_batch`` recordings, ``max_wait`` seconds
after its first one, or once none has come for ``quiet`` seconds (a crawl's last pages, a slow
source: they need not wait out ``max_wait``), whichever comes first, and is written with
``archive.batch.record_batch`` (one catalog transaction, one store sync). At most ``max_queued``
recordings wait at once: further callers wait for room (backpressure), so a crawl that fetches
faster than the archive writes holds a bounded number of pages in memory. Other archive calls
(``record_listing``) run on the same thread between batches, in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive.batch import Recording, record_batch
from crawler.workers.writerproc import ArchiveAddress, WriterProcess

if TYPE_CHECKING:
    from archive.recorder import Archive, RecordResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """Group-commit bounds."""

    max_batch: int = 64
    max_wait: float = 0.25
    max_queued: int = 256
    quiet: float = 0.05  # a fast crawl hands over a page every few milliseconds

    def __post_init__(self) -> None:
        if self.max_batch < 1 or self.max_queued < self.max_batch or self.max_wait <= 0 or self.quiet <= 0:
            raise ValueError(f"bad writer bounds: {self}")


@dataclass(slots=True)
class _Job:
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[Any] | None
    recording: Recording | None = None
    call: Callable[[], Any] | None = None
    after: Callable[[Any], None] | None = None


class BatchWriter:
    """Group commit for one Archive; ``record`` and ``call`` are awaited on the event loop.

    With an ``address`` the batches are committed by a writer process
    (``crawler.workers.writerproc``) instead of this thread; ``call`` still runs here, in order.
    """

    def __init__(self, archive: Archive, config: WriterConfig | None = None,
                 address: ArchiveAddress | None = None) -> None:
        self.archive = archive
        self.config = config or WriterConfig()
        self.process = WriterProcess(address) if address is not None and address.shareable else None
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._room: asyncio.Semaphore | None = None
        self._room_loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="govarchive-writer", daemon=True)
        self._thread.start()
        self.batches = 0  # committed batches (tests, stats)
        self.largest_queue = 0
        self.pending = 0  # record() calls not yet answered: queued, or waiting for room (event loop only)
        self._on_drained: list[Callable[[], None]] = []

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def _semaphore(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        if self._room is None or self._room_loop is not loop:
            self._room, self._room_loop = asyncio.Semaphore(self.config.max_queued), loop
        return self._room

    async def record(self, recording: Recording, after: Callable[[RecordResult], None] | None = None) -> RecordResult:
        """Record ``recording`` in the next batch; its result once committed (or its error).

        ``after(result)`` runs on the writer thread right after the commit (a crawl journal's
        mark: a kill between commit and mark then loses at most the batch's last few marks).
        """
        loop = asyncio.get_running_loop()
        room = self._semaphore(loop)
        self.pending += 1
        try:
            await room.acquire()
            try:
                future: asyncio.Future[RecordResult] = loop.create_future()
                self._queue.put(_Job(loop, future, recording=recording, after=after))
                self.largest_queue = max(self.largest_queue, self._queue.qsize())
                return await future
            finally:
                room.release()
        finally:
            self.pending -= 1
            if self._on_drained and self.pending <= self.config.max_queued:
                callbacks, self._on_drained = self._on_drained, []
                for callback in callbacks:
                    callback()

    def when_drained(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the event loop) once no more than one queue's worth of pages waits."""
        if self.pending <= self.config.max_queued:
            callback()
        else:
            self._on_drained.append(callback)

    async def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the writer thread after what is queued; its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(loop, future, call=function))
        return await future

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        if self.process is not None:
            self.process.start()
        held: _Job | None = None
        while True:
            job = held or self._queue.get()
            held = None
            if job.call is not None:
                _settle(job, job.call)
                continue
            batch = [job]
            deadline = time.monotonic() + self.config.max_wait
            while len(batch) < self.config.max_batch:
                try:
                    following = self._queue.get(timeout=min(self.config.quiet, max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
                if following.call is not None:
                    held = following  # runs after this batch, keeping the order
                    break
                batch.append(following)
            self._commit(batch)

    def close(self, timeout: float = 60.0) -> None:
        """Stop the writer process after what is queued (a later batch starts it again)."""
        process = self.process
        if process is None:
            return
        done = threading.Event()

        def stop() -> None:
            process.close()
            done.set()

        self._queue.put(_Job(None, None, call=stop))
        if not done.wait(timeout):
            logger.warning("archive writer process still busy after %.0f s at close", timeout)

    def _commit(self, batch: list[_Job]) -> None:
        recordings = [job.recording for job in batch if job.recording is not None]
        try:
            results = (self.process.record_batch(recordings) if self.process is not None
                       else record_batch(self.archive, recordings))
        except BaseException as exc:  # noqa: BLE001 — every waiting caller must hear of it
            results = [exc if isinstance(exc, Exception) else RuntimeError(repr(exc))] * len(batch)
        self.batches += 1
        for job, result in zip(batch, results, strict=True):
            if job.after is not None and not isinstance(result, Exception):
                try:
                    job.after(result)
                except Exception:
                    logger.exception("after-commit step failed")
            _resolve(job, result)


def _settle(job: _Job, function: Callable[[], Any]) -> None:
    try:
        result: Any = function()
    except Exception as exc:  # noqa: BLE001 — handed to the awaiting caller
        result = exc
    _resolve(job, result)


def _resolve(job: _Job, result: Any) -> None:
    future, loop = job.future, job.loop
    if future is None or loop is None:
        return

    def deliver() -> None:
        if future.done():
            return
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(deliver)
    except RuntimeError:  # the loop is closed: nobody waits any more
        logger.debug("writer result for a closed loop dropped")


_LOCK = threading.Lock()
_WRITERS: dict[int, BatchWriter] = {}


def writer_for(archive: Archive, config: WriterConfig | None = None,
               address: ArchiveAddress | None = None) -> BatchWriter:
    """The process's writer of ``archive`` (one thread per archive, shared by its crawlers; with
    a shareable ``address``, committing in a writer process stopped with the reactor)."""
    with _LOCK:
        writer = _WRITERS.get(id(archive))
        if writer is None or writer.archive is not archive:
            writer = _WRITERS[id(archive)] = BatchWriter(archive, config, address)
            if writer.process is not None:
                from twisted.internet import reactor

                reactor.addSystemEventTrigger("before", "shutdown", writer.close)
        return writer
