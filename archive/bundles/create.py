"""Build a bundle: select, stream every file into a bag (zip/tar) or a WACZ, record it.

A file output is written to ``PATH.partial`` in the same folder, flushed to disk, then renamed:
a full disk or a killed process never leaves a corrupt file under the final name.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import zstandard
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from archive.doctypes import BY_CONTENT_TYPE, COMPRESSED_TYPES
from archive.errors import CorruptObjectError
from archive.storage import BlobStore
from archive.timeutil import utcnow
from archive.warc import warcinfo_record, write_combined_warc

from .bag import BagWriter
from .errors import BadSelectionError, BundleOutputError, EmptySelectionError
from .metadata import MetadataTables, write_removed
from .select import (
    BUNDLES,
    CAPTURES,
    AttachmentInfo,
    BundleSelection,
    CaptureInfo,
    ResolvedSelection,
    SelectedVersion,
    count_captures,
    iso_utc,
    iter_removed,
    iter_selected,
    resolve_selection,
)
from .wacz import PagesList, write_wacz
from .writers import CHUNK_SIZE, Entry, EntryWriter, ZipEntryWriter, open_entry_writer

BUNDLE_FORMATS = ("zip", "tar", "wacz")
ProgressCallback = Callable[[int, int], None]

_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_HEX_KEY = re.compile(r"[0-9a-f]{64}")
_SAFE_EXT = re.compile(r"[a-z0-9]{1,10}")
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
_CONTENT_EXT = {
    **BY_CONTENT_TYPE,  # the document formats (archive.doctypes)
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
# Members that are compressed already: deflating them again only costs time.
_STORED_EXT = COMPRESSED_TYPES | {"gz", "pptx", "parquet", "zst"}


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


@dataclass(slots=True)
class _Counts:
    attachments: int = 0
    removed: int = 0
    files: int = 0
    captures: int = 0
    payload_bytes: int = 0


def software_version() -> str:
    """``govarchive <version>`` as installed (the package metadata, not an import of it)."""
    try:
        return f"govarchive {importlib.metadata.version('govarchive')}"
    except importlib.metadata.PackageNotFoundError:
        return "govarchive (unknown version)"


def source_folder(name: str, source_id: int) -> str:
    """A source's folder name: its name when that is a safe lower-case slug, else ``_source-<id>``.

    The fallback cannot collide with a safe name (those start with a letter or digit), and names
    Windows reserves (con, nul, com1 …) are not used as they are.
    """
    if _SAFE_NAME.fullmatch(name) and name.split(".", 1)[0] not in _WINDOWS_RESERVED:
        return name
    return f"_source-{source_id}"


def _content_ext(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return _CONTENT_EXT.get(media, "bin")


def _attachment_ext(kind: str) -> str:
    kind = kind.lower().lstrip(".")
    return kind if _SAFE_EXT.fullmatch(kind) else "bin"


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*%]+')


def attachment_file_names(attachments: Iterable[AttachmentInfo]) -> dict[int, str]:
    """A file name per attachment: its own name (``报告.pdf``; else the URL's last part), without
    characters unsafe on common file systems, with the extension of its type, unique within the
    version (``附件-2.pdf``). The id is the fallback for a name with nothing left in it."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for a in attachments:
        ext = _attachment_ext(a.type)
        raw = a.name or urlsplit(a.url).path.rsplit("/", 1)[-1]
        stem = _UNSAFE_IN_NAME.sub("_", raw).strip(" ._")
        if stem.lower().endswith(f".{ext}"):
            stem = stem[: -len(ext) - 1].rstrip(" ._")
        stem = stem[:80] or str(a.id)
        if stem.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
            stem = f"_{stem}"
        name, number = f"{stem}.{ext}", 1
        while name.lower() in taken:
            number += 1
            name = f"{stem}-{number}.{ext}"
        taken.add(name.lower())
        taken.add(f"{stem}.text.txt".lower())
        names[a.id] = name
    return names


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
    """Write the bundle of ``selection`` to ``out`` (a path, or a binary stream) as zip, tar or wacz.

    ``store_copy`` also puts the finished file into ``store`` (``out`` may then be None);
    ``record`` adds a row to the bundles table (needed for ``since_bundle`` deltas and listing).
    ``progress(done, total)`` is called after each version. Raises a BundleError (one-line
    message) for an empty selection, an unknown source, contradictory options or an unwritable
    output; CorruptObjectError when a stored object does not match its key.
    """
    if isinstance(out, str | os.PathLike):
        out = Path(out)
    if fmt not in BUNDLE_FORMATS:
        raise BadSelectionError(f"unknown bundle format {fmt!r} (choose from {', '.join(BUNDLE_FORMATS)})")
    if out is None and not store_copy:
        raise BadSelectionError("give an output path or ask for the bundle to be stored")
    if isinstance(out, Path):
        _check_output_path(out)
    with engine.connect() as conn, conn.begin():
        resolved = resolve_selection(conn, selection)
        if fmt == "wacz" and not selection.allow_empty:
            _require_captures(conn, resolved)
        with _spool(tmp_dir) as tmp:
            target = out if isinstance(out, Path) else tmp / f"bundle.{fmt}"
            with _atomic_file(target) as fh:
                counts = _write(conn, store, resolved, fh, fmt, tmp, progress)
            size, sha256 = _hash_file(target)
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


def _check_output_path(path: Path) -> None:
    if not path.parent.is_dir():
        raise BundleOutputError(str(path), f"folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise BundleOutputError(str(path), "it is a folder")


def _require_captures(conn: Connection, resolved: ResolvedSelection) -> None:
    if count_captures(conn, resolved) == 0:
        raise EmptySelectionError("the selection holds no raw capture to put in a WACZ")


@contextmanager
def _spool(tmp_dir: Path | None) -> Iterator[Path]:
    """A private folder for intermediate files (metadata tables, WARC, tar spools), removed after."""
    with tempfile.TemporaryDirectory(prefix="govarchive-bundle-", dir=tmp_dir) as name:
        yield Path(name)


@contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
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


def _hash_file(path: Path) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()


def _copy_object(bag: BagWriter, store: BlobStore, key: str, path: str, *, compress: bool = True) -> Entry:
    """Stream the object ``key`` into the bag; its bytes must hash to its key (CorruptObjectError)."""
    try:
        with store.open(key) as stream:
            entry = bag.add_stream(path, stream, compress=compress)
    except zstandard.ZstdError as exc:  # a compressed object whose stored bytes were damaged
        raise CorruptObjectError(key, "", detail=f"its stored data does not decode ({exc})") from None
    if _HEX_KEY.fullmatch(key) and entry.sha256 != key:
        raise CorruptObjectError(key, entry.sha256)
    return entry


def _write(
    conn: Connection,
    store: BlobStore,
    resolved: ResolvedSelection,
    fh: BinaryIO,
    fmt: str,
    tmp: Path,
    progress: ProgressCallback | None,
) -> _Counts:
    mtime = resolved.as_of.replace(microsecond=0)
    if fmt == "wacz":
        zip_writer = ZipEntryWriter(fh, mtime)
        try:
            return _write_wacz(conn, store, resolved, zip_writer, tmp, progress)
        except BaseException:
            zip_writer.abort()
            raise
    writer = open_entry_writer(fmt, fh, mtime, spool_dir=tmp)
    try:
        return _write_bag(conn, store, resolved, writer, tmp, progress)
    except BaseException:
        writer.abort()
        raise


class _WarcCollector:
    """The combined WARC of the selected versions' captures, built while the bag is written."""

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


def _version_files(
    bag: BagWriter, store: BlobStore, v: SelectedVersion, include: frozenset[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Write one version's files; return its metadata row and attachment list."""
    base = f"reports/{source_folder(v.source_name, v.source_id)}/{v.report_id}/v{v.number}"
    text_path = f"{base}.txt"
    text = _copy_object(bag, store, v.text_key, text_path)
    raw_path = None
    content_type = v.capture.content_type if v.capture else None
    if "raw" in include and v.raw_key:
        ext = _content_ext(content_type)
        raw_path = f"{base}.raw.{ext}"
        _copy_object(bag, store, v.raw_key, raw_path, compress=ext not in _STORED_EXT)
    attachments: list[dict[str, Any]] = []
    file_names = attachment_file_names(v.attachments)
    for a in v.attachments:
        item: dict[str, Any] = {
            "id": a.id, "name": a.name, "type": a.type, "url": a.url, "size": a.size,
            "sha256": a.sha256 or a.blob_key, "text_status": a.text_status, "text_source": a.text_source,
            "ocr_confidence": a.ocr_confidence, "path": None, "text_path": None,
        }
        if "attachments" in include and a.blob_key:
            ext = _attachment_ext(a.type)
            item["path"] = f"data/{base}-attachments/{file_names[a.id]}"
            _copy_object(bag, store, a.blob_key, item["path"][5:], compress=ext not in _STORED_EXT)
        if "attachments" in include and a.text_key:
            item["text_path"] = f"data/{base}-attachments/{file_names[a.id].rsplit('.', 1)[0]}.text.txt"
            _copy_object(bag, store, a.text_key, item["text_path"][5:])
        attachments.append(item)
    meta = v.metadata
    row = {
        "report_id": v.report_id, "version": v.number, "version_id": v.version_id,
        "source": v.source_name, "source_title": v.source_title, "region": v.region, "level": v.level,
        "title": meta.get("title") or v.title, "publisher": meta.get("publisher"),
        "pub_date": _date(meta.get("pub_date")), "written_date": _date(meta.get("written_date")),
        "report_year": meta.get("report_year") if isinstance(meta.get("report_year"), int) else None,
        "division_code": v.division_code, "publisher_kind": v.publisher_kind, "department": v.department,
        "index_no": meta.get("index_no"), "doc_no": meta.get("doc_no"), "validity": meta.get("validity"),
        "site_name": meta.get("site_name"), "column": meta.get("column"),
        "url": v.url, "canonical_url": v.canonical_url, "status": v.status, "first_seen": v.first_seen,
        "captured_at": v.capture.fetched_at if v.capture else None, "content_type": content_type,
        "text_path": f"data/{text_path}", "text_sha256": text.sha256, "text_bytes": text.size,
        "raw_path": f"data/{raw_path}" if raw_path else None,
        "raw_sha256": v.raw_key if v.raw_key and _HEX_KEY.fullmatch(v.raw_key) else None,
        "attachment_count": len(v.attachments),
        "text_source": meta.get("text_source"),
        "ocr_confidence": meta.get("ocr_confidence"),
    }
    return row, attachments


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _write_bag(
    conn: Connection,
    store: BlobStore,
    resolved: ResolvedSelection,
    writer: EntryWriter,
    tmp: Path,
    progress: ProgressCallback | None,
) -> _Counts:
    include = resolved.selection.include
    counts = _Counts()
    bag = BagWriter(writer, spool_dir=tmp)
    tables = MetadataTables(tmp)
    warcs = _WarcCollector(conn, store, tmp / "captures.warc.gz", resolved) if "warc" in include else None
    done = 0
    try:
        for batch in iter_selected(conn, resolved):
            for version in batch:
                row, attachments = _version_files(bag, store, version, include)
                tables.add(row, attachments)
                if "attachments" in include:  # a bag without their files does not count them
                    counts.attachments += sum(1 for a in version.attachments if a.blob_key)
                if warcs is not None:
                    warcs.add(version)
                done += 1
                if progress is not None:
                    progress(done, resolved.version_count)
    except BaseException:
        tables.abort()
        if warcs is not None:
            warcs.close()
        raise
    for name, path in tables.close():
        bag.add_file(name, path, compress=not name.endswith(".parquet"))
    if resolved.kind == "delta":
        removed = tmp / "removed.jsonl"
        counts.removed = write_removed(
            (
                {"report_id": r.report_id, "source": r.source_name, "canonical_url": r.canonical_url,
                 "title": r.title, "removed_at": r.removed_at}
                for r in iter_removed(conn, resolved)
            ),
            removed,
        )
        bag.add_file("metadata/removed.jsonl", removed)
    if warcs is not None:
        warcs.close()
        counts.captures = warcs.count
        bag.add_file("warc/captures.warc.gz", tmp / "captures.warc.gz", compress=False)
    counts.files = bag.finish(_bag_info(resolved, counts))
    counts.payload_bytes = bag.payload_bytes
    writer.close()
    return counts


def _bag_info(resolved: ResolvedSelection, counts: _Counts) -> list[tuple[str, str]]:
    info = [
        ("Source-Organization", "govarchive"),
        (
            "External-Description",
            f"govarchive {resolved.kind} bundle of archived government reports (法治政府建设年度报告 and others)",
        ),
        ("Bagging-Date", resolved.as_of.date().isoformat()),
        ("Bagging-Software", software_version()),
        ("Bundle-Kind", resolved.kind),
        ("As-Of", resolved.as_of_label),
        ("Versions-Before", iso_utc(resolved.cutoff)),
    ]
    if resolved.kind == "delta":
        if resolved.base_bundle_id is not None:
            info.append(("Since-Bundle", str(resolved.base_bundle_id)))
        if resolved.since_cutoff is not None:
            info.append(("Since", iso_utc(resolved.since_cutoff)))
    selection = dict(resolved.selection.to_json())
    selection.update(resolved.filters)
    info += [
        ("Selection", json.dumps(selection, ensure_ascii=False, separators=(",", ":"), sort_keys=True)),
        ("Report-Count", str(resolved.report_count)),
        ("Version-Count", str(resolved.version_count)),
        ("Attachment-Count", str(counts.attachments)),
    ]
    if resolved.kind == "delta":
        info.append(("Removed-Count", str(counts.removed)))
    if "warc" in resolved.selection.include:
        info.append(("Capture-Count", str(counts.captures)))
    info.append(("Max-Version-Id", str(resolved.watermark)))
    return info


def _write_wacz(
    conn: Connection,
    store: BlobStore,
    resolved: ResolvedSelection,
    writer: ZipEntryWriter,
    tmp: Path,
    progress: ProgressCallback | None,
) -> _Counts:
    counts = _Counts()
    warcs = _WarcCollector(conn, store, tmp / "data.warc.gz", resolved)
    pages = PagesList(tmp / "pages.jsonl")
    done = 0
    try:
        for batch in iter_selected(conn, resolved):
            for version in batch:
                if warcs.add(version):
                    assert version.capture is not None
                    pages.add(
                        page_id=f"r{version.report_id}-v{version.number}", url=version.capture.url,
                        fetched_at=version.capture.fetched_at, title=version.metadata.get("title") or version.title,
                    )
                done += 1
                if progress is not None:
                    progress(done, resolved.version_count)
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
        return int(conn.execute(insert(BUNDLES).values(**values)).inserted_primary_key[0])
