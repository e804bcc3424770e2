"""WACZ 1.1.1 (Web Archive Collection Zipped) of a bundle's raw captures, for ReplayWeb.page.

Layout: ``archive/data.warc.gz`` (stored, not deflated, so replay can read ranges of it),
``indexes/index.cdx`` (CDXJ, sorted), ``pages/pages.jsonl``, then ``datapackage.json`` listing
every file with its SHA-256 and size, and ``datapackage-digest.json`` holding the hash of
``datapackage.json``. Dates come from the bundle (its as-of instant), never from the clock.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from .errors import BundleError
from .metadata import dumps_line
from .writers import Entry, ZipEntryWriter

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}


def _wacz_date(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class PagesList:
    """``pages/pages.jsonl``, one page per archived capture, written as the captures are added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        self._file.write(dumps_line(PAGES_HEADER))
        self.count = 0

    def add(self, *, page_id: str, url: str, fetched_at: dt.datetime, title: str) -> None:
        moment = fetched_at.astimezone(dt.UTC).replace(tzinfo=None) if fetched_at.tzinfo else fetched_at
        self._file.write(
            dumps_line({"id": page_id, "url": url, "ts": moment.isoformat(timespec="seconds") + "Z", "title": title})
        )
        self.count += 1

    def close(self) -> None:
        self._file.close()


def build_index(warc: Path, out: Path) -> None:
    """The sorted CDXJ index of ``warc`` (records addressed in the WACZ's ``archive/`` file)."""
    try:
        from cdxj_indexer.main import CDXJIndexer
    except ImportError:  # a runtime dependency; a broken install should not break every bundle
        raise BundleError("a WACZ needs the cdxj-indexer package: pip install cdxj-indexer") from None
    with out.open("w", encoding="utf-8", newline="\n") as text:
        CDXJIndexer(text, [str(warc)], sort=True, post_append=True, filename=WARC_NAME).process_all()


def _resource(entry: Entry) -> dict[str, Any]:
    return {
        "name": entry.name.rsplit("/", 1)[-1].lower(),
        "path": entry.name,
        "hash": "sha256:" + entry.sha256,
        "bytes": entry.size,
    }


def write_wacz(
    writer: ZipEntryWriter,
    *,
    warc: Path,
    pages: Path,
    index: Path,
    created: dt.datetime,
    title: str,
    description: str,
    software: str,
) -> tuple[int, int]:
    """Write a WACZ into ``writer`` from a finished WARC and pages list; return its file count and bytes."""
    build_index(warc, index)
    entries: list[Entry] = []
    with warc.open("rb") as stream:
        entries.append(
            writer.add_stream(f"archive/{WARC_NAME}", stream, size=warc.stat().st_size, compress=False)
        )
    for name, path in (("indexes/index.cdx", index), ("pages/pages.jsonl", pages)):
        with path.open("rb") as stream:
            entries.append(writer.add_stream(name, stream, size=path.stat().st_size))
    package = {
        "profile": "data-package",
        "resources": [_resource(entry) for entry in entries],
        "title": title,
        "description": description,
        "created": _wacz_date(created),
        "wacz_version": WACZ_VERSION,
        "software": software,
    }
    package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    digest = writer.add_bytes("datapackage.json", package_bytes)
    writer.add_bytes(
        "datapackage-digest.json",
        json.dumps({"path": "datapackage.json", "hash": "sha256:" + digest.sha256}, indent=2).encode("utf-8"),
    )
    return len(entries) + 2, sum(entry.size for entry in entries) + len(package_bytes)
