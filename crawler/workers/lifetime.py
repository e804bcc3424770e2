"""A worker process's lifetime tied to its crawl's: the one thing both kinds of worker process
(page work, archive writer) import first, so it imports nothing heavy."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Worker initializer (page-work and writer processes): a crawl killed with SIGKILL must not
    leave its workers behind (they hold its stdout and stderr open, and would wait for jobs forever)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent's shutdown still stops us
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
