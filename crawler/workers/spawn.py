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

This module is the child's entry point, so it imports nothing heavy.
"""

from __future__ import annotations

import importlib
import pickle
import socket
import struct
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Any

HEADER = struct.Struct("!i")  # multiprocessing.connection's frame header; -1 means a "!Q" size follows
LONG_HEADER = struct.Struct("!Q")


def start_worker(target: str, *args: Any) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start a child running ``target`` (``"package.module:function"``) with ``args``; (child,
    the crawl's end of the socket, blocking). ``Connection(sock.detach())`` talks to it as a pipe."""
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
        ours.sendall(frame(pickle.dumps((target, args))))
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
