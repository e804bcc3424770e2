"""Running a converter program (Tesseract, pdftoppm, LibreOffice) with a deadline and a memory cap.

Each run gets its own process group, so a program that forks helpers (LibreOffice's
``soffice.bin``) is killed whole when it overruns; its address space is capped with
``RLIMIT_AS`` (through util-linux's ``prlimit``); OpenMP is held to one thread so Tesseract gives
the same text every time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Sequence

from crawler.extraction.readers.base import DocumentError, OverLimitError

_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "TESSDATA_PREFIX")
_OUT_OF_MEMORY = (b"alloc", b"memory", b"failed to map segment")
# One program per core at a time in this process: a crawl's thread pool may hold many documents.
_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


class Deadline:
    """Seconds left of one document's budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise OverLimitError(f"took longer than the limit of {self.seconds:g} s")
        return remaining


def have(program: str) -> bool:
    return shutil.which(program) is not None


def run(args: Sequence[str], deadline: Deadline, memory_mb: int, *, stdin: bytes | None = None,
        cwd: str | None = None) -> bytes:
    """``args``' standard output; :class:`OverLimitError` past the deadline, :class:`DocumentError`
    when the program is missing or fails."""
    if not have(args[0]):
        raise DocumentError(f"{args[0]} is not installed (`scripts/setup.sh crawl` installs it)")
    limit = memory_mb * 1024 * 1024
    if not _SLOTS.acquire(timeout=deadline.left()):
        raise OverLimitError(f"took longer than the limit of {deadline.seconds:g} s (waiting for a free core)")
    try:
        return _run(args, deadline, memory_mb, limit, stdin, cwd)
    finally:
        _SLOTS.release()


def _run(args: Sequence[str], deadline: Deadline, memory_mb: int, limit: int, stdin: bytes | None,
         cwd: str | None) -> bytes:
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    env["OMP_THREAD_LIMIT"] = "1"  # one thread: same input, same text (and fair on a shared machine)
    # util-linux's prlimit sets the cap in the child: a preexec_fn is unsafe in a threaded process
    capped = ["prlimit", f"--as={limit}", "--", *args] if have("prlimit") else list(args)
    # leaving the ``with`` closes the pipes, also when the deadline passed
    with subprocess.Popen(  # noqa: S603 — fixed program names, arguments are ours
        capped, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(stdin, timeout=deadline.left())
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise OverLimitError(f"took longer than the limit of {deadline.seconds:g} s") from None
        finally:
            _kill_group(process)  # helpers the program left running
    if process.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
        if process.returncode < 0 or any(word in err.lower() for word in _OUT_OF_MEMORY):
            raise OverLimitError(f"{os.path.basename(args[0])} failed within the {memory_mb} MB memory limit"
                                 f" ({tail[0][:120]})")
        raise DocumentError(f"{os.path.basename(args[0])} failed: {tail[0][:160]}")
    return out


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait()
