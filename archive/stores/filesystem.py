"""The embedded object store: a local folder, ``root/sha256/ab/<key>[.zst]``.

Stores made before 2026-12-05 keep their two folder levels, ``root/sha256/ab/cd/<key>``: a store
says which it uses in ``root/sha256/FANOUT`` ("1" or "2"; a store with objects and no such file
has two). One level suits a first crawl better: on a fresh store two levels meant a new folder
for nearly every object (65,536 of them), and creating a folder costs the file system as much as
creating a file (docs/benchmarks.md, "Throughput"); 256 folders hold millions of objects well.
A new store also asks ext4 to place those folders apart (``archive/stores/spread.py``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from archive.errors import BlobNotFoundError, StoreUnavailableError

from .common import (
    COMPRESSED_SUFFIX,
    SAMPLE_SIZE,
    HashingReader,
    check_stream,
    compress_bytes,
    compress_stream,
    decode,
    decompressing_reader,
    is_key,
    pays,
    validate_key,
    worth_trying,
)
from .spread import spread_subfolders

# errno values that mean "this folder cannot take writes now", as opposed to a bug of ours
_UNAVAILABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
_OBJECT_MODE = 0o444  # objects never change once written
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
FANOUT_FILE = "FANOUT"


def _syncfs_function() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs_function()


class _FdWriter:
    """A file-like writer over a raw descriptor (zstd's copy_stream writes through it)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        return len(data)


class FilesystemBlobStore:
    """Content-addressed objects in a folder; zstd-compressed ones carry the ``.zst`` suffix.

    Objects are written to a temporary file, fsynced and renamed into place, so a reader never
    sees a partial object and a crash leaves at most a stray ``.tmp-*`` file behind.

    Inside ``deferred()`` (per thread) ``put_bytes`` writes the temporary file only; ``flush()``
    then makes every object of the batch durable at once: one sync of the file system for the
    data, the renames, one more sync for the folder entries. An object reaches its final name
    only with its bytes on disk, so a crash never leaves a short object under a key.
    """

    def __init__(self, root: Path | str, *, compress: bool = True) -> None:
        self.root = Path(root).expanduser().absolute()
        self.compress = compress
        self.location = self.root.as_uri()
        self._objects = self.root / "sha256"
        self._staging = self.root / "tmp"
        self._local = threading.local()
        self._objects_dir = str(self._objects)
        self.fanout = _fanout(self._objects)  # folder levels below sha256/: 1, or 2 in older stores
        self._folders: set[str] = set()  # the key prefixes ("ab", or "abcd") whose folders exist

    def __repr__(self) -> str:
        return f"FilesystemBlobStore({self.location!r})"

    # writing

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its key. Bytes already stored are not written again."""
        key = hashlib.sha256(data).hexdigest()
        folder = self._folder(key)
        # a folder not there yet holds no object: one look at it instead of one per suffix
        if (key[: 2 * self.fanout] in self._folders or os.path.isdir(folder)) and self._stored_path(key) is not None:
            return key
        packed = compress_bytes(data) if self.compress else None
        target = f"{folder}/{key}{COMPRESSED_SUFFIX}" if packed is not None else f"{folder}/{key}"
        pending = self._pending()
        with self._writes(f"writing object {key!r}"):
            fd, tmp = self._temp_for(folder, key)
            try:
                _FdWriter(fd).write(data if packed is None else packed)
                if pending is not None:
                    os.fchmod(fd, _OBJECT_MODE)
                    pending[key] = (tmp, target)
                    os.close(fd)
                    return key
                self._commit(fd, tmp, target)
            finally:
                if pending is None or key not in pending:
                    _discard(fd, tmp)
        return key

    # batches: many objects, one sync

    def _pending(self) -> dict[str, tuple[str, str]] | None:
        return getattr(self._local, "pending", None)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Within (this thread): writes wait for ``flush()``; what is not flushed is discarded."""
        if self._pending() is not None:
            raise RuntimeError("deferred() does not nest")
        self._local.pending = {}
        try:
            yield
        finally:
            for tmp, _target in self._local.pending.values():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self._local.pending = None

    def flush(self) -> int:
        """Make the objects written since ``deferred()`` began durable under their keys; return how many."""
        pending = self._pending()
        if not pending:
            return 0
        with self._writes("syncing objects"):
            self._sync()  # the bytes, before any of them gets its name
            for tmp, target in pending.values():
                os.replace(tmp, target)
            self._sync()  # the names
        count = len(pending)
        pending.clear()
        return count

    def _sync(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if _SYNCFS is None or _SYNCFS(fd) != 0:
                os.sync()
        finally:
            os.close(fd)

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream of any size, hashing while it is copied to a staging file; return its key."""
        with self._writes("writing an object from a stream"):
            self._staging.mkdir(parents=True, exist_ok=True)
            fd, spool = self._temp_file(self._staging)
            try:
                reader = HashingReader(stream)
                writer = _FdWriter(fd)
                for chunk in reader.chunks():
                    writer.write(chunk)
                key = reader.key
                if self._stored_path(key) is None:
                    self._place_spool(key, fd, spool, reader.size)
            finally:
                _discard(fd, spool)
        return key

    def _place_spool(self, key: str, fd: int, spool: Path, size: int) -> None:
        if self.compress and worth_trying(os.pread(fd, SAMPLE_SIZE, 0)):
            target = self._path(key, compressed=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            out_fd, out_tmp = self._temp_file(target.parent)
            try:
                with spool.open("rb") as source:
                    written = compress_stream(source, _FdWriter(out_fd), size)
                if pays(size, written):
                    self._commit(out_fd, out_tmp, target)
                    return
            finally:
                _discard(out_fd, out_tmp)
        target = self._path(key, compressed=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._commit(fd, spool, target)

    def _commit(self, fd: int, tmp: str | Path, target: str | Path) -> None:
        os.fchmod(fd, _OBJECT_MODE)
        os.fsync(fd)
        os.replace(tmp, target)
        dir_fd = os.open(os.path.dirname(target), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _temp_for(self, folder: str, key: str) -> tuple[int, str]:
        """A new temporary file for ``key`` in its object folder, made when missing (most exist
        once a store has some thousands of objects). Named after the key, the process and the
        thread, so that no name needs drawing; a leftover of a crashed writer falls back to mkstemp."""
        name = f"{folder}/.tmp-{key[:16]}-{os.getpid()}-{threading.get_ident()}"
        try:
            fd = os.open(name, _NEW_FILE, 0o600)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(name, _NEW_FILE, 0o600)
        except FileExistsError:
            fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        self._folders.add(key[: 2 * self.fanout])
        return fd, name

    @staticmethod
    def _temp_file(folder: Path) -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        return fd, Path(name)

    @contextlib.contextmanager
    def _writes(self, doing: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            if exc.errno not in _UNAVAILABLE:
                raise
            reason = f"{os.strerror(exc.errno).lower()} while {doing} under {str(self.root)!r}"
            raise StoreUnavailableError(self.location, reason) from exc

    # reading

    def get_bytes(self, key: str) -> bytes:
        """The object's original bytes, checked against its key."""
        path, compressed = self._require(key)
        try:
            stored = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(key) from None
        return decode(key, stored, compressed)

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object's original bytes."""
        path, compressed = self._require(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise BlobNotFoundError(key) from None
        return decompressing_reader(handle) if compressed else handle

    def exists(self, key: str) -> bool:
        return self._stored_path(validate_key(key)) is not None

    def size(self, key: str) -> int:
        """Stored size in bytes (after compression)."""
        path, _ = self._require(key)
        return path.stat().st_size

    def iter_keys(self) -> Iterator[str]:
        """Every stored key, in sorted order."""
        for first in _subdirs(self._objects):
            for folder in _subdirs(first) if self.fanout == 2 else [first]:
                place = os.path.relpath(folder, self._objects).replace(os.sep, "")  # "ab" or "abcd"
                previous = None
                for name in sorted(entry.name for entry in os.scandir(folder) if entry.is_file()):
                    key = name.removesuffix(COMPRESSED_SUFFIX)
                    if key != previous and is_key(key) and key.startswith(place):
                        previous = key
                        yield key

    def verify(self, key: str) -> None:
        """Re-hash the object; BlobNotFoundError or CorruptObjectError."""
        check_stream(key, self.open(key))

    def url_for(self, key: str, expires: int = 3600, filename: str | None = None) -> str | None:
        """Folders have no presigned URLs: always None (serve the bytes through ``open``)."""
        validate_key(key)
        return None

    def delete(self, key: str) -> bool:
        """Remove the object (for tests and garbage collection); False when it was not there."""
        removed = False
        with self._writes(f"deleting object {key!r}"):
            for compressed in (True, False):
                with contextlib.suppress(FileNotFoundError):
                    self._path(key, compressed=compressed).unlink()
                    removed = True
        return removed

    # layout

    def _folder(self, key: str) -> str:
        """The object folder of ``key`` (a string: the write path makes thousands a second)."""
        if self.fanout == 1:
            return f"{self._objects_dir}/{key[:2]}"
        return f"{self._objects_dir}/{key[:2]}/{key[2:4]}"

    def _path(self, key: str, *, compressed: bool) -> Path:
        name = validate_key(key) + (COMPRESSED_SUFFIX if compressed else "")
        return Path(self._folder(key), name)

    def _stored_path(self, key: str) -> tuple[Path, bool] | None:
        pending = self._pending()
        if pending and key in pending:
            tmp, target = pending[key]
            return Path(tmp), target.endswith(COMPRESSED_SUFFIX)
        stem = f"{self._folder(validate_key(key))}/{key}"  # strings: a put looks here for every object
        for compressed in (True, False):
            name = stem + COMPRESSED_SUFFIX if compressed else stem
            if os.path.isfile(name):
                return Path(name), compressed
        return None

    def _require(self, key: str) -> tuple[Path, bool]:
        found = self._stored_path(validate_key(key))
        if found is None:
            raise BlobNotFoundError(key)
        return found


def _discard(fd: int, path: str | Path) -> None:
    """Close ``fd`` and remove ``path`` if they are still around (after a commit they are not)."""
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(path)


def _subdirs(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    return sorted(Path(entry.path) for entry in entries if entry.is_dir() and len(entry.name) == 2)


def _levels_found(objects: Path) -> int:
    """The folder levels the objects already stored use (two in stores made before FANOUT
    existed); one when there are none yet."""
    for first in _subdirs(objects):
        with os.scandir(first) as entries:
            for entry in entries:
                if entry.is_dir() and len(entry.name) == 2:
                    return 2
                if entry.is_file() and is_key(entry.name.removesuffix(COMPRESSED_SUFFIX)):
                    return 1
    return 1


def _fanout(objects: Path) -> int:
    """The folder levels of the store whose objects are under ``objects``: its FANOUT file's, else
    those its objects use (see _levels_found); written to FANOUT now when the folder can be written."""
    marker = objects / FANOUT_FILE
    try:
        return 2 if marker.read_text(encoding="ascii").strip() == "2" else 1
    except FileNotFoundError:
        pass
    except OSError:
        return 1
    try:
        levels = _levels_found(objects)
    except OSError:
        return 1
    with contextlib.suppress(OSError):  # a read-only folder: nothing will be written anyway
        objects.mkdir(parents=True, exist_ok=True)
        spread_subfolders(objects)  # the object folders are unrelated: let ext4 place them apart
        staged = objects / f".{FANOUT_FILE}-{os.getpid()}-{threading.get_ident()}"
        staged.write_text(f"{levels}\n", encoding="ascii")
        os.replace(staged, marker)
    return levels
