"""Crawl child processes: started in their own process group, stopped politely, then killed.

:func:`launch_crawl` is the one way a crawl child starts (the scheduler's jobs and the web app).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from archive.runs import pid_alive  # the one check (tests find it here too)

__all__ = ["ChildRegistry", "default_crawl_command", "launch_crawl", "pid_alive", "signal_group", "terminate"]

logger = logging.getLogger(__name__)


def default_crawl_command() -> tuple[str, ...]:
    """``python -m govarchive`` with this interpreter."""
    return (sys.executable, "-m", "govarchive")


def launch_crawl(
    command: Sequence[str], names: Sequence[str], *, stdout: IO[Any] | int, stderr: IO[Any] | int,
    env: Mapping[str, str] | None = None, extra: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """Start ``COMMAND crawl NAME… --json EXTRA…`` in a new session (its group is signalled as a whole).

    ``command`` is the govarchive command line prefix (``default_crawl_command()``, maybe with
    ``--home``); ``env`` None inherits this process's environment.
    """
    argv = [*command, "crawl", *names, "--json", *extra]
    return subprocess.Popen(  # noqa: S603 (argv is ours, never a shell string)
        argv, env=dict(env) if env is not None else None, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


class ChildRegistry:
    """Every running crawl child, so a shutdown can tell them all to stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._children: set[subprocess.Popen[bytes]] = set()
        self._closing = threading.Event()

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def spawn(
        self, command: Sequence[str], names: Sequence[str], *, env: Mapping[str, str], stdout: IO[Any] | int,
        stderr: IO[Any] | int, extra: Sequence[str] = (),
    ) -> subprocess.Popen[bytes] | None:
        """:func:`launch_crawl`, remembered until released; None when closing."""
        with self._lock:
            if self._closing.is_set():
                return None
            child = launch_crawl(command, names, env=env, stdout=stdout, stderr=stderr, extra=extra)
            self._children.add(child)
            return child

    def release(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._children.discard(child)

    def stop_all(self, grace: float) -> None:
        """Refuse new children, SIGTERM the running ones, SIGKILL what is left after ``grace`` s."""
        self._closing.set()
        with self._lock:
            children = list(self._children)
        for child in children:
            signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                logger.warning("crawl child %s did not stop within %ss; killing it", child.pid, grace)
                signal_group(child, signal.SIGKILL)


def signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole process group (a crawl's browser dies with it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def terminate(child: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the child's group, wait up to ``grace`` seconds, then SIGKILL it."""
    signal_group(child, signal.SIGTERM)
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        signal_group(child, signal.SIGKILL)
        child.wait()
    else:
        signal_group(child, signal.SIGKILL)  # stragglers the child left in its group
