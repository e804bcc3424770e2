"""BagIt bags (RFC 8493) in a zip or a tar: the texts, metadata tables, and on request raw captures,
attachments and a WARC (layout in :mod:`archive.bundles`); verified against every manifest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, BinaryIO

import zstandard
from sqlalchemy.engine import Connection

from archive.bundles.bag import BagWriter, parse_bag_info, parse_manifest
from archive.bundles.containers import UNREADABLE, Container, file_digests, read_text, root_prefix
from archive.bundles.metadata import MetadataTables, write_removed
from archive.bundles.naming import (
    STORED_EXT,
    attachment_ext,
    attachment_file_names,
    content_ext,
    source_folder,
)
from archive.bundles.select import ResolvedSelection, SelectedVersion, iso_utc, iter_removed
from archive.bundles.verdict import Problem, VerifyResult, ordered
from archive.bundles.warcs import WarcCollector, software_version
from archive.bundles.writers import Entry, EntryWriter, open_entry_writer
from archive.errors import CorruptObjectError
from archive.payloads import body_from_warc
from archive.storage import BlobStore

from .base import WriteCounts, WriteJob, write_or_abort

_HEX_KEY = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True, slots=True)
class BagItFormat:
    """A BagIt bag in a ``zip`` or a ``tar`` (the format's name is its container)."""

    name: str
    media_type: str
    summary: str
    kind: str = "bag"

    def check(self, conn: Connection, resolved: ResolvedSelection) -> None:
        """Any selection makes a bag (an empty one only when allowed, which selection checks)."""

    def write(self, job: WriteJob, out: BinaryIO) -> WriteCounts:
        writer = open_entry_writer(self.name, out, job.mtime, spool_dir=job.tmp)
        return write_or_abort(writer, lambda w: _write_bag(job, w))

    def recognises(self, container: Container, names: list[str]) -> bool:
        return root_prefix(names, "bagit.txt") is not None

    def verify(self, path: Path, container: Container, names: list[str]) -> VerifyResult:
        prefix = root_prefix(names, "bagit.txt")
        assert prefix is not None  # recognised
        return _verify_bag(path, container, names, prefix)


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


def _copy_raw(bag: BagWriter, store: BlobStore, v: SelectedVersion, path: str, *, compress: bool) -> Entry:
    """The version's raw body: its own object (older catalogs), else its capture WARC's payload."""
    assert v.raw_key is not None
    capture = v.capture
    if store.exists(v.raw_key) or capture is None or capture.warc_type != "response" or not capture.warc_key:
        return _copy_object(bag, store, v.raw_key, path, compress=compress)
    body = body_from_warc(store, v.raw_key, capture.warc_key)
    return bag.add_bytes(path, body, compress=compress)


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
        ext = content_ext(content_type)
        raw_path = f"{base}.raw.{ext}"
        _copy_raw(bag, store, v, raw_path, compress=ext not in STORED_EXT)
    attachments: list[dict[str, Any]] = []
    file_names = attachment_file_names(v.attachments)
    for a in v.attachments:
        item: dict[str, Any] = {
            "id": a.id, "name": a.name, "type": a.type, "url": a.url, "size": a.size,
            "sha256": a.sha256 or a.blob_key, "text_status": a.text_status, "text_source": a.text_source,
            "ocr_confidence": a.ocr_confidence, "path": None, "text_path": None,
        }
        if "attachments" in include and a.blob_key:
            ext = attachment_ext(a.type)
            item["path"] = f"data/{base}-attachments/{file_names[a.id]}"
            _copy_object(bag, store, a.blob_key, item["path"][5:], compress=ext not in STORED_EXT)
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


def _write_bag(job: WriteJob, writer: EntryWriter) -> WriteCounts:
    conn, store, resolved, tmp = job.conn, job.store, job.resolved, job.tmp
    include = resolved.selection.include
    counts = WriteCounts()
    bag = BagWriter(writer, spool_dir=tmp)
    tables = MetadataTables(tmp)
    warcs = WarcCollector(conn, store, tmp / "captures.warc.gz", resolved) if "warc" in include else None
    try:
        for version in job.versions():
            row, attachments = _version_files(bag, store, version, include)
            tables.add(row, attachments)
            if "attachments" in include:  # a bag without their files does not count them
                counts.attachments += sum(1 for a in version.attachments if a.blob_key)
            if warcs is not None:
                warcs.add(version)
    except BaseException:
        tables.abort()
        bag.close()
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


def _bag_info(resolved: ResolvedSelection, counts: WriteCounts) -> list[tuple[str, str]]:
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


def _verify_bag(path: Path, container: Container, names: list[str], prefix: str) -> VerifyResult:
    problems: list[Problem] = []
    inner = {name[len(prefix):]: name for name in names if name.startswith(prefix)}
    declaration = parse_bag_info(read_text(container, inner["bagit.txt"]))
    if "BagIt-Version" not in declaration:
        problems.append(Problem("bagit.txt", "invalid", "has no BagIt-Version"))
    info = parse_bag_info(read_text(container, inner["bag-info.txt"])) if "bag-info.txt" in inner else {}

    manifests: dict[str, dict[str, str]] = {}
    tag_manifests: dict[str, dict[str, str]] = {}
    for name in sorted(inner):
        for prefix_name, target in (("manifest-", manifests), ("tagmanifest-", tag_manifests)):
            if name.startswith(prefix_name) and name.endswith(".txt") and "/" not in name:
                algorithm = name[len(prefix_name):-4]
                if algorithm not in hashlib.algorithms_available:
                    problems.append(Problem(name, "invalid", f"unknown checksum algorithm {algorithm!r}"))
                    continue
                target[algorithm] = parse_manifest(read_text(container, inner[name]), name, problems)
    if not manifests:
        problems.append(Problem("manifest-sha256.txt", "missing", "the bag has no payload manifest"))

    algorithms = tuple(sorted(set(manifests) | set(tag_manifests)))
    listed_payload = set().union(*(m.keys() for m in manifests.values())) if manifests else set()
    payload_bytes = payload_files = 0
    checked = 0
    unreadable = False
    for name in sorted(inner):
        is_payload = name.startswith("data/")
        try:
            digests, size = file_digests(container, inner[name], algorithms)
        except UNREADABLE as exc:
            problems.append(Problem(name, "bad", f"cannot be read ({exc})"))
            unreadable = True
            continue
        checked += 1
        if is_payload:
            payload_bytes += size
            payload_files += 1
            if manifests and name not in listed_payload:
                problems.append(Problem(name, "extra", "is not listed in the manifest"))
                continue
            tables = manifests
        else:
            tables = tag_manifests
        for algorithm, table in tables.items():
            expected = table.get(name)
            if expected is None:
                if is_payload:
                    problems.append(Problem(name, "extra", f"is not listed in manifest-{algorithm}.txt"))
            elif expected != digests[algorithm]:
                problems.append(Problem(name, "bad", f"{algorithm} checksum does not match the manifest"))
    for algorithm, table in list(manifests.items()) + list(tag_manifests.items()):
        for listed in sorted(table):
            if listed not in inner:
                problems.append(Problem(listed, "missing", f"is listed in a {algorithm} manifest but absent"))
    oxum = info.get("Payload-Oxum")
    if oxum and not unreadable and oxum != f"{payload_bytes}.{payload_files}":
        problems.append(
            Problem("bag-info.txt", "bad", f"Payload-Oxum {oxum} does not match the payload ({payload_bytes}.{payload_files})")
        )
    return VerifyResult(path, "bag", container.kind, checked, ordered(problems), info)
