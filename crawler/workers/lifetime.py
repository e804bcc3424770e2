"""A worker process's lifetime tied to its crawl's: the one thing both kinds of worker process
(page work, archive writer) import first, so it imports nothing heavy."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, role: str = "") -> None:
    """Worker initializer (page-work and writer processes): a crawl killed with SIGKILL must not
    leave its workers behind (they hold its stdout and stderr open, and would wait for jobs forever).

    ``role`` names the process (``ps``, ``top``, the throughput benchmark's CPU by process).
    """
    if role:
        name_process(role)
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent's shutdown still stops us
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def name_process(role: str) -> None:
    """Set this process's command name (``/proc/self/comm``, at most 15 bytes) where Linux allows it."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w", encoding="ascii") as comm:
        comm.write(role[:15])
