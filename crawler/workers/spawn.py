"""Worker processes started as plain children of the crawl, joined to it by one socket pair.

``start_worker("module:function", *args)`` runs ``python -m crawler.workers.spawn FD`` with the
child's end of a socket pair as descriptor FD, sends it the target and its arguments (pickled,
framed as ``multiprocessing.connection`` frames them) and returns the child and the crawl's end
of the socket. The child calls ``function(connection, *args)`` with its end as a
``multiprocessing.connection.Connection``.

Why not ``multiprocessing``'s spawn context: every process it starts also starts its resource
tracker, one more interpreter (13 MB resident) that a crawl never needs (our workers share no
semaphores or shared memory), and ``ProcessPoolExecutor`` adds two threads to the crawl process
that contend with Scrapy's reactor for the interpreter lock on every page.

``prestart(target, *args)`` starts such a child ahead of need: the next ``start_worker`` with the
same target and arguments takes it. A crawl starts its workers while it imports Scrapy and opens
its catalog (one core busy, the other idle), so their own imports are done before the first page.

This module is the child's entry point, so it imports nothing heavy.
"""

from __future__ import annotations

import importlib
import pickle
import socket
import struct
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

HEADER = struct.Struct("!i")  # multiprocessing.connection's frame header; -1 means a "!Q" size follows
LONG_HEADER = struct.Struct("!Q")


_Child = tuple[subprocess.Popen[bytes], socket.socket]
_SPARES: dict[bytes, list[_Child]] = {}  # started ahead, by their pickled (target, args)
_SPARES_LOCK = threading.Lock()


def start_worker(target: str, *args: Any) -> _Child:
    """Start a child running ``target`` (``"package.module:function"``) with ``args``; (child,
    the crawl's end of the socket, blocking). ``Connection(sock.detach())`` talks to it as a pipe.
    A live child that ``prestart`` began for the same target and arguments is taken instead."""
    payload = pickle.dumps((target, args))
    with _SPARES_LOCK:
        spares = _SPARES.get(payload, [])
        while spares:
            child, sock = spares.pop()
            if child.poll() is None:
                return child, sock
            sock.close()
    return _launch(payload)


def prestart(target: str, *args: Any) -> int:
    """Start a child for a later ``start_worker(target, *args)`` now; its process id.
    ``stop_spares`` ends it if none comes."""
    payload = pickle.dumps((target, args))
    child = _launch(payload)
    with _SPARES_LOCK:
        _SPARES.setdefault(payload, []).append(child)
    return child[0].pid


def stop_spares() -> int:
    """End the children ``prestart`` began that nothing took (each sees its socket close); how many."""
    with _SPARES_LOCK:
        children = [child for spares in _SPARES.values() for child in spares]
        _SPARES.clear()
    for _process, sock in children:
        sock.close()
    for process, _sock in children:
        stop_worker(process)
    return len(children)


def _launch(payload: bytes) -> _Child:
    ours, theirs = socket.socketpair()
    try:
        child = subprocess.Popen([sys.executable, "-m", __name__, str(theirs.fileno())],
                                 pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    try:
        ours.sendall(frame(payload))
    except OSError:
        ours.close()
        child.kill()
        child.wait()
        raise
    return child, ours


def frame(payload: bytes) -> bytes:
    """``payload`` with the length header ``multiprocessing.connection.Connection`` reads."""
    size = len(payload)
    return (HEADER.pack(size) if size <= 0x7FFFFFFF else HEADER.pack(-1) + LONG_HEADER.pack(size)) + payload


def stop_worker(child: subprocess.Popen[bytes], wait: float = 5.0) -> None:
    """Wait up to ``wait`` seconds for ``child`` to end, then kill it; reaped either way."""
    try:
        child.wait(wait)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class RemoteError(Exception):
    """An exception a worker process could not send back as itself; ``restored()`` gives one of
    the same type name (what ``crawler.outcomes.is_unavailable`` and the stats keys look at)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)
        self.kind, self.message = kind, message

    def __str__(self) -> str:
        return self.message

    def restored(self) -> Exception:
        return type(self.kind, (RemoteError,), {})(self.kind, self.message)


def portable(result: Any) -> Any:
    """``result`` as it can cross the pipe: an exception that does not pickle becomes a RemoteError."""
    if not isinstance(result, BaseException):
        return result
    try:
        pickle.loads(pickle.dumps(result))
    except Exception:  # noqa: BLE001 — any failure to round-trip means: send a stand-in
        return RemoteError(type(result).__name__, str(result))
    return result


def _main(argv: list[str]) -> None:
    connection = Connection(int(argv[1]))
    target, args = connection.recv()
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    try:
        function(connection, *args)
    finally:
        connection.close()


if __name__ == "__main__":
    _main(sys.argv)
