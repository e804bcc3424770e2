"""The page-work pool: extraction in worker processes, so the crawl uses more than one core.

Scrapy's reactor, the spider and the archive writer share one interpreter lock; extraction in
Twisted's thread pool only adds lock contention. ``PagePool`` runs ``extract_bytes`` in a
``concurrent.futures.ProcessPoolExecutor`` (``spawn``: workers import only the extraction code,
not the crawl's reactor), with at most ``max_in_flight`` jobs submitted at once, so pages wait
in the crawl (where Scrapy's own limits hold them) rather than piling up in the pool's queue.
With ``workers = 0`` the work runs in a thread of the crawl process instead (as before).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.workers.lifetime import die_with_parent
from crawler.workers.pagework import PageJob, extract_bytes

PAGEWORK_ROLE = "ga-pagework"  # the workers' process name


def default_workers() -> int:
    """One worker per core beyond the first (which the reactor and the writer use), at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


class PagePool:
    """Runs page work off the reactor; ``await pool.run(job)`` gives ``extract_bytes(job)``."""

    def __init__(self, workers: int, max_in_flight: int | None = None) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers!r}")
        self.workers = workers
        self.max_in_flight = max_in_flight or max(2, 2 * workers)
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.submitted = 0  # jobs sent to worker processes (tests, stats)

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=die_with_parent,
                                                     initargs=(os.getpid(), PAGEWORK_ROLE))
            return self._executor

    def _semaphore(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.max_in_flight), loop
        return self._slots

    async def run(self, job: PageJob) -> Any:
        """``extract_bytes(job)``, computed in a worker process (or a thread when workers = 0)."""
        if self.workers == 0:
            return await asyncio.to_thread(extract_bytes, job)
        slots = self._semaphore(asyncio.get_running_loop())
        async with slots:
            try:
                future = self._pool().submit(extract_bytes, job)
            except BrokenProcessPool:
                self._reset()  # a worker died (killed, out of memory): start afresh
                future = self._pool().submit(extract_bytes, job)
            self.submitted += 1
            return await asyncio.wrap_future(future)

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (empty before the first job)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return sorted(processes)

    def _reset(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the workers and wait for them (their CPU time is then counted as the crawl's)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_POOLS: dict[int, PagePool] = {}
_POOLS_LOCK = threading.Lock()


def page_pool(workers: int) -> PagePool:
    """The process's pool of ``workers`` workers, shared by every crawler; stopped with the reactor."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = PagePool(workers)
            _stop_with_reactor(pool)
        return pool


def _stop_with_reactor(pool: PagePool) -> None:
    from twisted.internet import reactor

    reactor.addSystemEventTrigger("before", "shutdown", pool.shutdown)
