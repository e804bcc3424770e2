"""The contract of a bundle format: write a bundle from a selection, verify a bundle file.

A format is one object with a ``name`` (the ``--format`` choice), a ``kind`` (what a verdict
calls it) and four methods. :func:`archive.bundles.create_bundle` opens the output atomically and
hands the format a :class:`WriteJob`; :func:`archive.bundles.verify_bundle` opens the file as a
zip, tar or folder and asks each registered format whether it ``recognises`` it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from sqlalchemy.engine import Connection

from archive.bundles.containers import Container
from archive.bundles.select import ResolvedSelection, SelectedVersion, iter_selected
from archive.bundles.verdict import VerifyResult
from archive.bundles.writers import EntryWriter
from archive.storage import BlobStore

ProgressCallback = Callable[[int, int], None]
W = TypeVar("W", bound=EntryWriter)


@dataclass(slots=True)
class WriteCounts:
    """What a format wrote, beyond the selection's own counts."""

    attachments: int = 0
    removed: int = 0
    files: int = 0
    captures: int = 0
    payload_bytes: int = 0  # the files' bytes before compression (a bag's Payload-Oxum)


@dataclass(frozen=True, slots=True)
class WriteJob:
    """Everything a format writes from: the open catalog transaction, the store, the resolved
    selection, a private folder for intermediate files, and the progress callback."""

    conn: Connection
    store: BlobStore
    resolved: ResolvedSelection
    tmp: Path
    progress: ProgressCallback | None = None

    @property
    def mtime(self) -> dt.datetime:
        """The date of every file the bundle adds: its as-of instant, never the clock."""
        return self.resolved.as_of.replace(microsecond=0)

    def versions(self) -> Iterator[SelectedVersion]:
        """The selected versions in bundle order; reports progress after each one."""
        done = 0
        for batch in iter_selected(self.conn, self.resolved):
            for version in batch:
                yield version
                done += 1
                if self.progress is not None:
                    self.progress(done, self.resolved.version_count)


def write_or_abort(writer: W, build: Callable[[W], WriteCounts]) -> WriteCounts:
    """``build(writer)``; after a failure the writer writes nothing more (no trailer on half a bundle)."""
    try:
        return build(writer)
    except BaseException:
        writer.abort()
        raise


class BundleFormat(Protocol):
    """One bundle format (see the module docstring)."""

    # read-only, so that a frozen dataclass is a format
    @property
    def name(self) -> str: ...  # the --format choice and the file suffix: zip, tar, wacz
    @property
    def kind(self) -> str: ...  # what a verdict calls a bundle of this format: bag, wacz
    @property
    def media_type(self) -> str: ...  # the Content-Type of a download
    @property
    def summary(self) -> str: ...  # one line for help texts

    def check(self, conn: Connection, resolved: ResolvedSelection) -> None:
        """Raise a BundleError when this format cannot hold the selection (before any file is opened)."""
        ...

    def write(self, job: WriteJob, out: BinaryIO) -> WriteCounts:
        """Write the whole bundle to ``out`` (left open); on failure write nothing more and re-raise."""
        ...

    def recognises(self, container: Container, names: list[str]) -> bool:
        """Whether the files of ``container`` are a bundle of this format."""
        ...

    def verify(self, path: Path, container: Container, names: list[str]) -> VerifyResult:
        """Check every file of a recognised bundle; name each bad, missing or extra one."""
        ...
