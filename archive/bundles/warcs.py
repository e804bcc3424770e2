"""The combined WARC of a bundle's selected captures (a bag's ``warc/`` file, a WACZ's archive)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

from archive.storage import BlobStore
from archive.warc import warcinfo_record, write_combined_warc

from .select import CAPTURES, CaptureInfo, ResolvedSelection, SelectedVersion


def software_version() -> str:
    """``govarchive <version>`` as installed (the package metadata, not an import of it)."""
    try:
        return f"govarchive {importlib.metadata.version('govarchive')}"
    except importlib.metadata.PackageNotFoundError:
        return "govarchive (unknown version)"


class WarcCollector:
    """The combined WARC of the selected versions' captures, built while the bundle is written."""

    def __init__(self, conn: Connection, store: BlobStore, path: Path, resolved: ResolvedSelection) -> None:
        self._conn = conn
        self._store = store
        self._file = path.open("wb")
        self._file.write(
            warcinfo_record(
                {"software": software_version(), "format": "WARC File Format 1.1",
                 "description": f"govarchive {resolved.kind} bundle as of {resolved.as_of_label}"},
                date=resolved.as_of, filename="data.warc.gz",
            )
        )
        self._recent: set[int] = set()
        self._report: int | None = None
        self.count = 0

    def add(self, version: SelectedVersion) -> bool:
        capture = version.capture
        if capture is None or not capture.warc_key:
            return False
        if version.report_id != self._report:
            self._report, self._recent = version.report_id, set()
        if capture.id in self._recent:
            return False
        self._recent.add(capture.id)
        keys = [capture.warc_key]
        original = self._revisited(capture) if capture.warc_type == "revisit" else None
        if original is not None:
            keys.insert(0, original)
        write_combined_warc(self._store, keys, self._file)
        self.count += 1
        return True

    def _revisited(self, capture: CaptureInfo) -> str | None:
        """For a revisit capture, the WARC of the earlier response it refers to (replay needs it)."""
        if not capture.payload_digest:
            return None
        return self._conn.execute(
            select(CAPTURES.c.warc_key)
            .where(CAPTURES.c.url == capture.url, CAPTURES.c.payload_digest == capture.payload_digest,
                   CAPTURES.c.warc_type == "response", CAPTURES.c.warc_key.is_not(None))
            .order_by(CAPTURES.c.fetched_at, CAPTURES.c.id)
            .limit(1)
        ).scalar()

    def close(self) -> None:
        self._file.close()
