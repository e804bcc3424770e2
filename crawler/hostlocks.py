"""One crawl per host at a time across processes: an exclusive file lock per host in the home.

Sources on one host inside a run already go one after another (govarchive.launch.runner); separate runs
(the scheduler starts one process per source, a user may start another) take ``<home>/locks/
<host>.lock`` for every host they touch, in sorted order (no deadlock), before crawling, and wait
while another run holds one. The kernel drops a lock when its process ends, however it ends, so
a killed crawl never leaves one behind. One machine only: distributed workers share hosts through
Redis instead (crawler.distributed.politeness).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

_SAFE = re.compile(r"[^a-z0-9.-]")
logger = logging.getLogger(__name__)


class HostLocks:
    """The host locks this process holds; ``release`` (or process exit) lets them go."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: list[IO[str]] = []

    def acquire(self, hosts: Iterable[str], on_wait: Callable[[str, str], None] | None = None) -> None:
        """Lock every host (sorted), waiting for each held elsewhere; ``on_wait(host, holder)`` first."""
        for host in sorted({h.lower() for h in hosts if h}):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                handle = (self.folder / f"{_SAFE.sub('_', host)}.lock").open("a+", encoding="utf-8")
            except OSError as exc:  # a read-only home: crawl on, unlocked, and say so
                logger.warning("cannot lock host %s (%s): crawling without the per-host lock", host, exc)
                continue
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                if on_wait is not None:
                    on_wait(host, handle.read().strip() or "another crawl")
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
            self._held.append(handle)

    def release(self) -> None:
        for handle in self._held:
            handle.close()  # closing drops the flock
        self._held.clear()
