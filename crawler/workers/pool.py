"""The page-work pool: extraction in worker processes, so the crawl uses more than one core.

Scrapy's reactor, the spider and the archive writer share one interpreter lock; extraction in
Twisted's thread pool only adds lock contention. ``PagePool`` runs ``extract_bytes`` in worker
processes (``crawler.workers.spawn``: they import only the extraction code, not the crawl's
reactor). The crawl talks to each worker over a socket on its own event loop, with no helper
thread: jobs go out as pickled frames, results come back in order. At most ``max_in_flight``
jobs are out at once, so pages wait in the crawl (where Scrapy's own limits hold them) rather
than piling up in a worker's socket. With ``workers = 0`` the work runs in a thread of the crawl
process instead.
"""

from __future__ import annotations

import asyncio
import collections
import os
import pickle
import signal
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from crawler.workers.lifetime import die_with_parent
from crawler.workers.spawn import (
    HEADER,
    LONG_HEADER,
    RemoteError,
    frame,
    portable,
    prestart,
    start_worker,
    stop_worker,
)

if TYPE_CHECKING:
    from crawler.workers.pagework import PageJob

PAGEWORK_ROLE = "ga-pagework"  # the workers' process name


class WorkerDiedError(RuntimeError):
    """A page-work process ended (killed, out of memory) before answering. ``queued``: this job
    was waiting behind the one the worker was working on, so it is not to blame."""

    def __init__(self, message: str, *, queued: bool = False) -> None:
        super().__init__(message)
        self.queued = queued


MAX_SENDS = 8  # a job is sent this often at most, however many workers die with others' jobs


def default_workers() -> int:
    """One worker per core beyond the first (which the reactor and the writer use), at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def start_ahead(workers: int) -> list[int]:
    """Start ``workers`` page-work processes now, for the pool's first pages to find ready
    (``crawler.workers.spawn.prestart``; this module imports no extraction code, so it is cheap);
    their process ids."""
    return [prestart(f"{__name__}:serve", os.getpid()) for _ in range(workers)]


def serve(conn: Connection, parent: int) -> None:
    """A page-work process: jobs in, ``("ok", result)`` or ``("error", exception)`` out, until EOF or None."""
    from crawler.workers.pagework import extract_bytes

    die_with_parent(parent, PAGEWORK_ROLE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl process decides when we stop
    while True:
        try:
            job = conn.recv()
        except EOFError:
            break
        if job is None:
            break
        try:
            answer: tuple[str, Any] = ("ok", extract_bytes(job))
        except Exception as exc:  # noqa: BLE001 — handed to the waiting page, with its type
            answer = ("error", portable(exc))
        conn.send(answer)


class _Worker:
    """One page-work process and the crawl's end of its socket, used from one event loop.

    The socket stays registered with the loop for reading, and a job is sent with one
    ``send`` call: asyncio's ``sock_sendall`` / ``sock_recv_into`` register and unregister the
    socket with epoll on every frame, which cost the crawl process about 8% of its CPU. Frames
    the socket cannot take at once wait in ``_outbox``, in order, until it can.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.process, self._socket = start_worker(f"{__name__}:serve", os.getpid())
        self._socket.setblocking(False)
        self._fd = self._socket.fileno()
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.alive = True
        self._inbox = bytearray()  # answers read but not yet whole
        self._outbox = bytearray()  # jobs the socket has not taken yet
        loop.add_reader(self._fd, self._readable)

    async def run(self, job: PageJob) -> Any:
        data = frame(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        if not self.alive:  # it died while this job waited for a slot: not this job's doing
            raise WorkerDiedError(f"page-work process {self.process.pid} is gone", queued=True)
        future: asyncio.Future[Any] = self.loop.create_future()
        self.waiting.append(future)  # answers come back in the order jobs went out
        self._send(data)
        return await future

    def _send(self, data: bytes) -> None:
        if not self._outbox:
            try:
                sent = self._socket.send(data)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                self._fail(WorkerDiedError(f"page-work process {self.process.pid} is gone: {exc!r}"))
                return
            if sent == len(data):
                return
            self.loop.add_writer(self._fd, self._writable)
            data = data[sent:]
        self._outbox += data

    def _writable(self) -> None:
        try:
            sent = self._socket.send(self._outbox)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(WorkerDiedError(f"page-work process {self.process.pid} is gone: {exc!r}"))
            return
        del self._outbox[:sent]
        if not self._outbox:
            self.loop.remove_writer(self._fd)

    def _readable(self) -> None:
        try:
            chunk = self._socket.recv(_READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(WorkerDiedError(f"page-work process {self.process.pid} ended: {exc!r}"))
            return
        if not chunk:
            self._fail(WorkerDiedError(f"page-work process {self.process.pid} ended: end of its output"))
            return
        self._received(chunk)

    def _received(self, chunk: bytes) -> None:
        self._inbox += chunk
        try:
            self._answers()
        except Exception as exc:  # noqa: BLE001 — an answer that does not unpickle: the stream is lost
            self._fail(WorkerDiedError(f"page-work process {self.process.pid} sent an unreadable answer: {exc!r}"))

    def _answers(self) -> None:
        """Hand out every whole answer in ``_inbox`` to the job waiting longest."""
        inbox, at = self._inbox, 0
        while len(inbox) - at >= HEADER.size:
            (size,) = HEADER.unpack_from(inbox, at)
            start = at + HEADER.size
            if size == -1:
                if len(inbox) - start < LONG_HEADER.size:
                    break
                (size,) = LONG_HEADER.unpack_from(inbox, start)
                start += LONG_HEADER.size
            if len(inbox) < start + size:
                break
            kind, value = pickle.loads(inbox[start:start + size])
            at = start + size
            future = self.waiting.popleft()
            if future.done():  # its page was cancelled
                continue
            if kind == "ok":
                future.set_result(value)
            else:
                future.set_exception(value.restored() if isinstance(value, RemoteError) else value)
        if at:
            del inbox[:at]

    def _fail(self, error: WorkerDiedError) -> None:
        """Every waiting job hears of the death; only the first (the one being worked on) is blamed."""
        if self.alive:
            self.alive = False
            self._unregister()
        blamed = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error if blamed else WorkerDiedError(str(error), queued=True))
            blamed = False

    def _unregister(self) -> None:
        if not self.loop.is_closed():
            self.loop.remove_reader(self._fd)
            self.loop.remove_writer(self._fd)
        self._outbox.clear()

    def close(self) -> None:
        """End the worker's input (it stops) and wait for it."""
        if self.alive:
            self.alive = False
            self._unregister()
        self._socket.close()
        stop_worker(self.process)


_READ_SIZE = 1 << 18  # one read takes several answers; a large one arrives over many reads


class PagePool:
    """Runs page work off the reactor; ``await pool.run(job)`` gives ``extract_bytes(job)``."""

    def __init__(self, workers: int, max_in_flight: int | None = None) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers!r}")
        self.workers = workers
        self.max_in_flight = max_in_flight or max(8, 4 * workers)
        self._running: list[_Worker] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.submitted = 0  # jobs sent to worker processes (tests, stats)

    def _slots_on(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        """The in-flight slots of ``loop``; a new event loop (tests run several) gets new workers too."""
        with self._lock:
            if self._loop is not loop or self._slots is None:
                old, self._running = self._running, []
                self._loop, self._slots = loop, asyncio.Semaphore(self.max_in_flight)
                for worker in old:
                    worker.close()
            return self._slots

    def _worker(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        """The least busy live worker on ``loop``, starting workers as needed."""
        with self._lock:
            for dead in [w for w in self._running if not w.alive]:
                dead.close()
                self._running.remove(dead)
            if len(self._running) < self.workers:
                self._running.append(_Worker(loop))
            return min(self._running, key=lambda w: len(w.waiting))

    async def run(self, job: PageJob) -> Any:
        """``extract_bytes(job)``, computed in a worker process (or a thread when workers = 0).

        A worker that dies before answering is replaced and its jobs given to the new one; a job
        that kills its worker twice raises WorkerDiedError, and the jobs waiting behind it are
        sent again without blame (up to MAX_SENDS times)."""
        if self.workers == 0:
            from crawler.workers.pagework import extract_bytes

            return await asyncio.to_thread(extract_bytes, job)
        loop = asyncio.get_running_loop()
        async with self._slots_on(loop):
            blamed = 0
            for _ in range(MAX_SENDS):
                worker = self._worker(loop)
                self.submitted += 1
                try:
                    return await worker.run(job)
                except WorkerDiedError as exc:
                    blamed += not exc.queued
                    if blamed == 2:
                        raise
            raise WorkerDiedError(f"page-work processes died {MAX_SENDS} times with this page waiting")

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (empty before the first job)."""
        return sorted(w.process.pid for w in self._running if w.alive)

    def shutdown(self) -> None:
        """Stop the workers and wait for them (their CPU time is then counted as the crawl's)."""
        with self._lock:
            running, self._running = self._running, []
        for worker in running:
            worker.close()


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

