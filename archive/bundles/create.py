"""Build a bundle: resolve the selection, let its format write it into an atomic file, record it.

The formats (BagIt zip/tar, WACZ, …) live in :mod:`archive.bundles.formats`; this module only
orchestrates: output checks, the spool folder, the hash, the optional store copy, the catalog row.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from archive.storage import BlobStore
from archive.timeutil import utcnow

from .errors import BadSelectionError
from .formats import ProgressCallback, WriteJob, format_names, get_format
from .output import atomic_file, check_output_path, hash_file, spool
from .select import BUNDLES, BundleSelection, ResolvedSelection, iso_utc, resolve_selection
from .writers import CHUNK_SIZE

__all__ = ["BundleResult", "ProgressCallback", "bundle_formats", "create_bundle"]


def bundle_formats() -> tuple[str, ...]:
    """The format names a bundle can be made in (the registry's; the first is the default)."""
    return format_names()


@dataclass(frozen=True, slots=True)
class BundleResult:
    """What :func:`create_bundle` made."""

    bundle_id: int | None  # the Bundle row (None when not recorded)
    kind: str  # snapshot / delta
    format: str  # zip / tar / wacz
    path: Path | None  # the file written, when a path was given
    key: str | None  # the object-store key, when stored
    size: int
    sha256: str
    as_of: dt.datetime  # last instant covered, aware UTC
    as_of_label: str  # as asked: "2025-04-01" (the whole day) or an instant
    since: dt.datetime | None  # a delta's lower bound (inclusive), aware UTC
    base_bundle_id: int | None
    report_count: int
    version_count: int
    attachment_count: int
    removed_count: int
    file_count: int
    payload_bytes: int  # the files' bytes before compression (a bag's Payload-Oxum)
    max_version_id: int
    selection: BundleSelection

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.bundle_id,
            "kind": self.kind,
            "format": self.format,
            "path": str(self.path) if self.path else None,
            "key": self.key,
            "size": self.size,
            "sha256": self.sha256,
            "as_of": iso_utc(self.as_of),
            "as_of_label": self.as_of_label,
            "since": iso_utc(self.since) if self.since else None,
            "base_bundle_id": self.base_bundle_id,
            "reports": self.report_count,
            "versions": self.version_count,
            "attachments": self.attachment_count,
            "removed": self.removed_count,
            "files": self.file_count,
            "payload_bytes": self.payload_bytes,
            "max_version_id": self.max_version_id,
            "selection": self.selection.to_json(),
        }


def create_bundle(
    engine: Engine,
    store: BlobStore,
    selection: BundleSelection,
    out: Path | str | BinaryIO | None,
    fmt: str = "zip",
    *,
    record: bool = True,
    store_copy: bool = False,
    progress: ProgressCallback | None = None,
    tmp_dir: Path | None = None,
) -> BundleResult:
    """Write the bundle of ``selection`` to ``out`` (a path, or a binary stream) in format ``fmt``.

    ``store_copy`` also puts the finished file into ``store`` (``out`` may then be None);
    ``record`` adds a row to the bundles table (needed for ``since_bundle`` deltas and listing).
    ``progress(done, total)`` is called after each version. Raises a BundleError (one-line
    message) for an empty selection, an unknown source or format, contradictory options or an unwritable
    output; CorruptObjectError when a stored object does not match its key.
    """
    if isinstance(out, str | os.PathLike):
        out = Path(out)
    bundle_format = get_format(fmt)
    if out is None and not store_copy:
        raise BadSelectionError("give an output path or ask for the bundle to be stored")
    if isinstance(out, Path):
        check_output_path(out)
    with engine.connect() as conn, conn.begin():
        resolved = resolve_selection(conn, selection)
        bundle_format.check(conn, resolved)
        with spool(tmp_dir) as tmp:
            target = out if isinstance(out, Path) else tmp / f"bundle.{fmt}"
            with atomic_file(target) as fh:
                counts = bundle_format.write(WriteJob(conn, store, resolved, tmp, progress), fh)
            size, sha256 = hash_file(target)
            if out is not None and not isinstance(out, Path):
                with target.open("rb") as done:
                    shutil.copyfileobj(done, out, CHUNK_SIZE)
            key = None
            if store_copy:
                with target.open("rb") as done:
                    key = store.put_stream(done)
    bundle_id = _record(engine, resolved, fmt, out, key, size, sha256) if record else None
    return BundleResult(
        bundle_id=bundle_id, kind=resolved.kind, format=fmt,
        path=out.resolve() if isinstance(out, Path) else None, key=key, size=size, sha256=sha256,
        as_of=resolved.as_of, as_of_label=resolved.as_of_label, since=resolved.since_cutoff,
        base_bundle_id=resolved.base_bundle_id, report_count=resolved.report_count,
        version_count=resolved.version_count, attachment_count=counts.attachments,
        removed_count=counts.removed, file_count=counts.files, payload_bytes=counts.payload_bytes,
        max_version_id=resolved.watermark,
        selection=resolved.selection,
    )


def _record(
    engine: Engine,
    resolved: ResolvedSelection,
    fmt: str,
    out: Path | BinaryIO | None,
    key: str | None,
    size: int,
    sha256: str,
) -> int:
    selection = dict(resolved.selection.to_json())
    selection.update(resolved.filters)
    values = {
        "created_at": utcnow(),
        "as_of": resolved.as_of,
        "since": resolved.since_cutoff,
        "base_bundle_id": resolved.base_bundle_id,
        "selection_json": json.dumps(selection, ensure_ascii=False, sort_keys=True),
        "format": fmt,
        "key": key,
        "path": str(out.resolve()) if isinstance(out, Path) else None,
        "size": size,
        "sha256": sha256,
        "report_count": resolved.report_count,
        "version_count": resolved.version_count,
        "max_version_id": resolved.watermark,
    }
    with engine.begin() as conn:
        key = conn.execute(insert(BUNDLES).values(**values)).inserted_primary_key
    assert key is not None  # a single-row insert always has one
    return int(key[0])
