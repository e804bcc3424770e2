"""WACZ 1.1.1 (Web Archive Collection Zipped) of a bundle's raw captures, for ReplayWeb.page; verified.

Layout: ``archive/data.warc.gz`` (stored, not deflated, so replay can read ranges of it),
``indexes/index.cdx`` (CDXJ, sorted), ``pages/pages.jsonl``, then ``datapackage.json`` listing
every file with its SHA-256 and size, and ``datapackage-digest.json`` holding the hash of
``datapackage.json``. Dates come from the bundle (its as-of instant), never from the clock.
Verifying checks every file against ``datapackage.json`` and that against its digest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import Connection

from archive.bundles.containers import UNREADABLE, Container, file_digests, read_text
from archive.bundles.errors import BundleError, EmptySelectionError
from archive.bundles.metadata import dumps_line
from archive.bundles.select import ResolvedSelection, count_captures
from archive.bundles.verdict import Problem, VerifyResult, ordered
from archive.bundles.warcs import WarcCollector, software_version
from archive.bundles.writers import Entry, ZipEntryWriter

from .base import WriteCounts, WriteJob, write_or_abort

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}


def _wacz_date(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(frozen=True, slots=True)
class WaczFormat:
    """A WACZ of the selected versions' raw captures (no texts, no metadata tables)."""

    name: str = "wacz"
    media_type: str = "application/wacz"
    summary: str = "raw captures for replay"
    kind: str = "wacz"

    def check(self, conn: Connection, resolved: ResolvedSelection) -> None:
        if not resolved.selection.allow_empty and count_captures(conn, resolved) == 0:
            raise EmptySelectionError("the selection holds no raw capture to put in a WACZ")

    def write(self, job: WriteJob, out: BinaryIO) -> WriteCounts:
        return write_or_abort(ZipEntryWriter(out, job.mtime), lambda w: _write(job, w))

    def recognises(self, container: Container, names: list[str]) -> bool:
        return container.kind == "zip" and "datapackage.json" in names

    def verify(self, path: Path, container: Container, names: list[str]) -> VerifyResult:
        return _verify_wacz(path, container, names)


def _write(job: WriteJob, writer: ZipEntryWriter) -> WriteCounts:
    resolved, tmp = job.resolved, job.tmp
    counts = WriteCounts()
    warcs = WarcCollector(job.conn, job.store, tmp / "data.warc.gz", resolved)
    pages = PagesList(tmp / "pages.jsonl")
    try:
        for version in job.versions():
            if warcs.add(version):
                assert version.capture is not None
                pages.add(
                    page_id=f"r{version.report_id}-v{version.number}", url=version.capture.url,
                    fetched_at=version.capture.fetched_at, title=version.metadata.get("title") or version.title,
                )
    finally:
        warcs.close()
        pages.close()
    counts.captures = warcs.count
    counts.files, counts.payload_bytes = write_wacz(
        writer,
        warc=tmp / "data.warc.gz",
        pages=tmp / "pages.jsonl",
        index=tmp / "index.cdx",
        created=resolved.as_of,
        title=f"govarchive {resolved.kind} as of {resolved.as_of_label}",
        description=f"Raw captures of {resolved.version_count} report versions archived by govarchive",
        software=software_version(),
    )
    writer.close()
    return counts


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


def _verify_wacz(path: Path, container: Container, names: list[str]) -> VerifyResult:
    problems: list[Problem] = []
    try:
        package = json.loads(read_text(container, "datapackage.json"))
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(Problem("datapackage.json", "invalid", f"cannot be read ({exc})"))
        return VerifyResult(path, "wacz", container.kind, 0, tuple(problems))
    checked = 0
    for name in sorted(names):
        if name in ("datapackage.json", "datapackage-digest.json"):
            continue
        resource = resources.get(name)
        if resource is None:
            problems.append(Problem(name, "extra", "is not listed in datapackage.json"))
            continue
        algorithm, _, expected = str(resource.get("hash", "")).partition(":")
        if algorithm not in hashlib.algorithms_available:
            problems.append(Problem(name, "invalid", f"unknown hash {resource.get('hash')!r}"))
            continue
        try:
            digests, size = file_digests(container, name, (algorithm,))
        except UNREADABLE as exc:
            problems.append(Problem(name, "bad", f"cannot be read ({exc})"))
            continue
        checked += 1
        if digests[algorithm] != expected.lower():
            problems.append(Problem(name, "bad", f"{algorithm} hash does not match datapackage.json"))
        elif resource.get("bytes") not in (None, size):
            problems.append(Problem(name, "bad", f"size {size} does not match datapackage.json"))
    for listed in sorted(set(resources) - set(names)):
        problems.append(Problem(listed, "missing", "is listed in datapackage.json but absent"))
    if "datapackage-digest.json" in names:
        try:
            digest = json.loads(read_text(container, "datapackage-digest.json"))
            algorithm, _, expected = str(digest["hash"]).partition(":")
            actual, _ = file_digests(container, "datapackage.json", (algorithm,))
            if actual[algorithm] != expected.lower():
                problems.append(Problem("datapackage.json", "bad", "hash does not match datapackage-digest.json"))
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(Problem("datapackage-digest.json", "invalid", f"cannot be read ({exc})"))
        checked += 2
    info = {k: str(package.get(k)) for k in ("title", "created", "wacz_version", "software") if k in package}
    return VerifyResult(path, "wacz", container.kind, checked, ordered(problems), info)
