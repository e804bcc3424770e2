"""The bundle file: a checked output path, a private spool folder, an atomic write, its hash.

A file output is written to ``PATH.partial`` in the same folder, flushed to disk, then renamed:
a full disk or a killed process never leaves a corrupt file under the final name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import BundleOutputError
from .writers import CHUNK_SIZE

_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def check_output_path(path: Path) -> None:
    if not path.parent.is_dir():
        raise BundleOutputError(str(path), f"folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise BundleOutputError(str(path), "it is a folder")


@contextmanager
def spool(tmp_dir: Path | None) -> Iterator[Path]:
    """A private folder for intermediate files (metadata tables, WARC, tar spools), removed after."""
    with tempfile.TemporaryDirectory(prefix="govarchive-bundle-", dir=tmp_dir) as name:
        yield Path(name)


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """``path`` appears only complete: written as ``path.partial``, fsynced, renamed."""
    partial = path.with_name(path.name + ".partial")
    try:
        fh = partial.open("wb")
    except OSError as exc:
        raise BundleOutputError(str(path), exc.strerror or str(exc)) from None
    try:
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno in _WRITE_ERRNOS:
            raise BundleOutputError(str(path), exc.strerror or str(exc)) from None
        raise
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def hash_file(path: Path) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()
