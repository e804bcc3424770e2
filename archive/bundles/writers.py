"""Deterministic zip and tar writers: entries streamed in, fixed dates, modes and owners.

Each entry is hashed (SHA-256) while it is written; memory stays flat whatever an entry's size.
Zip entries are streamed straight into the archive; a tar header needs the size first, so an
entry of unknown size is spooled (in memory up to a few MiB, then to a temporary file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from archive.timeutil import as_utc

CHUNK_SIZE = 1 << 20
SPOOL_IN_MEMORY = 8 << 20
_ZIP_MIN = dt.datetime(1980, 1, 1)
_ZIP_MAX = dt.datetime(2107, 12, 31, 23, 59, 58)
_ZIP64_LIMIT = (1 << 31) - 1
FILE_MODE = 0o644


@dataclass(frozen=True, slots=True)
class Entry:
    """One file written into an archive."""

    name: str
    size: int
    sha256: str


class EntryWriter(Protocol):
    """What the bag and WACZ builders need of a container format."""

    def add_stream(self, name: str, stream: IO[bytes], *, size: int | None = None, compress: bool = True) -> Entry:
        """Copy ``stream`` to the end into the entry ``name``; ``size`` when known exactly."""
        ...

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> Entry: ...

    def close(self) -> None:
        """Write the archive's trailer (central directory, tar end blocks); the file stays open."""
        ...

    def abort(self) -> None:
        """Give up after a failure: write nothing more, not even when garbage-collected."""
        ...


def _copy(stream: IO[bytes], dest: IO[bytes]) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        hasher.update(chunk)
        dest.write(chunk)
        size += len(chunk)
    return size, hasher.hexdigest()


class ZipEntryWriter:
    """A zip archive with every entry dated ``mtime`` (clamped to zip's 1980–2107), mode 0644."""

    def __init__(self, fileobj: BinaryIO, mtime: dt.datetime) -> None:
        self._zip = zipfile.ZipFile(fileobj, "w", allowZip64=True)
        if mtime.tzinfo is not None:
            mtime = mtime.astimezone(dt.UTC).replace(tzinfo=None)
        moment = min(max(mtime.replace(microsecond=0), _ZIP_MIN), _ZIP_MAX)
        self._date_time = moment.timetuple()[:6]

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.create_system = 3  # unix, whatever the machine, so the bytes match everywhere
        info.external_attr = (0o100000 | FILE_MODE) << 16
        return info

    def add_stream(self, name: str, stream: IO[bytes], *, size: int | None = None, compress: bool = True) -> Entry:
        info = self._info(name, compress)
        if size is not None:
            info.file_size = size
        force_zip64 = size is None or size > _ZIP64_LIMIT
        with self._zip.open(info, "w", force_zip64=force_zip64) as dest:
            written, digest = _copy(stream, dest)
        return Entry(name, written, digest)

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> Entry:
        return self.add_stream(name, io.BytesIO(data), size=len(data), compress=compress)

    def close(self) -> None:
        self._zip.close()

    def abort(self) -> None:
        self._zip.fp = None  # ZipFile.close (also run by __del__) then writes no central directory


class _HashingReader:
    """Reads through to ``stream``, hashing and counting what passed."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n)
        self.hasher.update(chunk)
        self.size += len(chunk)
        return chunk


class TarEntryWriter:
    """A POSIX (pax) tar stream, every member dated ``mtime``, mode 0644, owner 0:0 without names."""

    def __init__(self, fileobj: BinaryIO, mtime: dt.datetime, *, spool_dir: Path | None = None) -> None:
        self._tar = tarfile.open(  # noqa: SIM115 (closed by close())
            fileobj=fileobj, mode="w|", format=tarfile.PAX_FORMAT
        )
        self._mtime = max(int(as_utc(mtime).timestamp()), 0)
        self._spool_dir = None if spool_dir is None else str(spool_dir)

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = self._mtime
        info.mode = FILE_MODE
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.type = tarfile.REGTYPE
        return info

    def add_stream(self, name: str, stream: IO[bytes], *, size: int | None = None, compress: bool = True) -> Entry:
        if size is None:
            with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, dir=self._spool_dir) as spool:
                size, _ = _copy(stream, spool)
                spool.seek(0)
                return self._add_known(name, spool, size)
        return self._add_known(name, stream, size)

    def _add_known(self, name: str, stream: IO[bytes], size: int) -> Entry:
        reader = _HashingReader(stream)
        self._tar.addfile(self._info(name, size), reader)
        # TarFile keeps every member it wrote; a stream writer needs none (typeshed omits `members`)
        self._tar.members.clear()  # type: ignore[attr-defined]
        return Entry(name, reader.size, reader.hasher.hexdigest())

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> Entry:
        return self._add_known(name, io.BytesIO(data), len(data))

    def close(self) -> None:
        self._tar.close()

    def abort(self) -> None:
        # a stream-mode tar pads and flushes when closed or collected: mark both as closed already
        # (typeshed declares neither TarFile.closed nor its stream's `closed`)
        self._tar.closed = True  # type: ignore[attr-defined]
        self._tar.fileobj.closed = True  # type: ignore[attr-defined]


def open_entry_writer(container: str, fileobj: BinaryIO, mtime: dt.datetime, *,
                      spool_dir: Path | None = None) -> EntryWriter:
    """The writer for ``container`` (zip or tar) on ``fileobj``."""
    if container == "zip":
        return ZipEntryWriter(fileobj, mtime)
    if container == "tar":
        return TarEntryWriter(fileobj, mtime, spool_dir=spool_dir)
    raise ValueError(f"unknown container {container!r} (zip or tar)")
