"""Bundles over the grown set-up: a PostgreSQL catalog, and an S3 store serving a presigned download."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import httpx
import pytest

from archive.bundles import BundleSelection, create_bundle, get_bundle, verify_bundle
from archive.catalog.database import create_catalog_engine
from tests.fixtures.archive import make_store
from tests.fixtures.bundles import BundleArchive, build_bundle_archive, metadata_rows
from tests.fixtures.seaweedfs import SeaweedFS


def test_snapshot_and_delta_on_any_catalog(any_catalog_url: str, tmp_path: Path) -> None:
    ids = build_bundle_archive(tmp_path, any_catalog_url)
    engine = create_catalog_engine(any_catalog_url)
    store = make_store(tmp_path / "objects")
    try:
        base = create_bundle(engine, store, BundleSelection(as_of=dt.date(2025, 3, 31)), tmp_path / "base.zip")
        delta = create_bundle(engine, store, BundleSelection(since_bundle=base.bundle_id), tmp_path / "delta.tar", "tar")
        latest = create_bundle(engine, store, BundleSelection(region="广东"), tmp_path / "gd.zip")
    finally:
        engine.dispose()
    assert {(r["report_id"], r["version"]) for r in metadata_rows(tmp_path / "base.zip")} == {
        (ids["r1"], 1), (ids["r2"], 1), (ids["r3"], 1), (ids["r4"], 1),
    }
    assert {(r["report_id"], r["version"]) for r in metadata_rows(tmp_path / "delta.tar")} == {(ids["r1"], 2), (ids["r5"], 1)}
    assert delta.removed_count == 1 and delta.since == dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    assert {r["report_id"]: r["status"] for r in metadata_rows(tmp_path / "gd.zip")} == {
        ids["r1"]: "active", ids["r2"]: "removed",
    }
    assert latest.as_of == dt.datetime(2025, 4, 15, 9, tzinfo=dt.UTC)
    assert all(verify_bundle(tmp_path / name).ok for name in ("base.zip", "delta.tar", "gd.zip"))


@pytest.mark.s3
def test_bundle_stored_in_s3_downloads_whole_and_by_range(
    seaweedfs: SeaweedFS, bundle_archive: BundleArchive, tmp_path: Path
) -> None:
    s3 = seaweedfs.store(seaweedfs.new_bucket())
    for key in bundle_archive.store.iter_keys():  # the same archive, its objects in S3
        assert s3.put_bytes(bundle_archive.store.get_bytes(key)) == key
    result = create_bundle(
        bundle_archive.engine, s3, BundleSelection(include=frozenset({"text", "raw", "warc"})),
        tmp_path / "b.zip", store_copy=True,
    )
    assert result.key == result.sha256
    record = get_bundle(bundle_archive.engine, result.bundle_id or 0)
    url = s3.url_for(record.key or "", expires=600, filename=record.filename)
    assert url is not None and url.startswith("http://127.0.0.1:")
    local = (tmp_path / "b.zip").read_bytes()
    whole = httpx.get(url, timeout=30)
    assert whole.status_code == 200 and whole.content == local
    assert record.filename in whole.headers.get("content-disposition", "")
    tail = httpx.get(url, headers={"Range": "bytes=-22"}, timeout=30)  # the zip's end-of-central-directory
    assert tail.status_code == 206 and tail.content == local[-22:]
    assert zipfile.ZipFile(tmp_path / "b.zip").testzip() is None
