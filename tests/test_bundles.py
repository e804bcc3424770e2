"""Snapshot bundles: what a bundle holds (as-of selection, deltas, filters) and how it is laid out."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import bagit
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.bundles import (
    BadSelectionError,
    BundleOutputError,
    BundleSelection,
    EmptySelectionError,
    UnknownSourceError,
    create_bundle,
    get_bundle,
    list_bundles,
    verify_bundle,
)
from archive.bundles.naming import attachment_file_names
from archive.bundles.select import AttachmentInfo
from archive.errors import NotFoundError
from archive.recorder import Archive
from tests.fixtures.archive import REPORT_TEXT, Pages, html
from tests.fixtures.bundles import BundleArchive, extract, make_bundle, metadata_rows, zip_names

UTC = dt.UTC
EVERYTHING = frozenset({"text", "raw", "attachments", "warc"})


def test_latest_snapshot_holds_the_current_version_of_every_report(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    result = make_bundle(bundle_archive, tmp_path / "latest.zip")
    r = bundle_archive.reports
    assert (result.kind, result.report_count, result.version_count) == ("snapshot", 5, 5)
    assert result.as_of == dt.datetime(2025, 4, 15, 9, 0, tzinfo=UTC)
    rows = {row["report_id"]: row for row in metadata_rows(tmp_path / "latest.zip")}
    assert set(rows) == set(r.values())
    assert rows[r["r1"]]["version"] == 2
    assert rows[r["r2"]]["status"] == "removed"
    assert rows[r["r3"]]["status"] == "active"
    names = zip_names(tmp_path / "latest.zip")
    assert f"data/reports/gd-gz/{r['r1']}/v2.txt" in names
    assert f"data/reports/gd-gz/{r['r1']}/v1.txt" not in names
    with zipfile.ZipFile(tmp_path / "latest.zip") as bundle:
        text = bundle.read(f"data/reports/gd-gz/{r['r1']}/v2.txt").decode("utf-8")
    assert text.startswith("广州市报告") and "三、下一步工作安排" in text


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2025, 3, 1), {"r1": 1, "r2": 1, "r4": 1}),
        (dt.date(2025, 3, 31), {"r1": 1, "r2": 1, "r3": 1, "r4": 1}),
        (dt.datetime(2025, 4, 10, 8, 59, tzinfo=UTC), {"r1": 1, "r2": 1, "r3": 1, "r4": 1}),
        (dt.datetime(2025, 4, 10, 9, 0, tzinfo=UTC), {"r1": 2, "r2": 1, "r3": 1, "r4": 1}),
        (dt.date(2025, 4, 15), {"r1": 2, "r2": 1, "r3": 1, "r4": 1, "r5": 1}),
    ],
)
def test_as_of_selects_the_version_current_at_that_moment(
    bundle_archive: BundleArchive, tmp_path: Path, as_of: dt.date | dt.datetime, expected: dict[str, int]
) -> None:
    make_bundle(bundle_archive, tmp_path / "b.zip", as_of=as_of)
    ids = {ident: name for name, ident in bundle_archive.reports.items()}
    got = {ids[row["report_id"]]: row["version"] for row in metadata_rows(tmp_path / "b.zip")}
    assert got == expected


def test_report_removed_after_the_as_of_date_is_active_in_that_snapshot(
    bundle_archive: BundleArchive, tmp_path: Path
) -> None:
    make_bundle(bundle_archive, tmp_path / "b.zip", as_of=dt.date(2025, 4, 11))
    rows = {row["report_id"]: row for row in metadata_rows(tmp_path / "b.zip")}
    assert rows[bundle_archive.reports["r2"]]["status"] == "active"


def test_delta_since_bundle_holds_only_newer_versions_and_the_removed_list(
    bundle_archive: BundleArchive, tmp_path: Path
) -> None:
    r = bundle_archive.reports
    base = make_bundle(bundle_archive, tmp_path / "base.zip", as_of=dt.date(2025, 3, 31))
    delta = make_bundle(bundle_archive, tmp_path / "delta.zip", since_bundle=base.bundle_id)
    assert (delta.kind, delta.base_bundle_id, delta.version_count, delta.removed_count) == ("delta", base.bundle_id, 2, 1)
    got = {(row["report_id"], row["version"]) for row in metadata_rows(tmp_path / "delta.zip")}
    assert got == {(r["r1"], 2), (r["r5"], 1)}
    names = zip_names(tmp_path / "delta.zip")
    assert not any(f"/{r['r3']}/" in name or f"/{r['r2']}/" in name for name in names)
    with zipfile.ZipFile(tmp_path / "delta.zip") as bundle:
        removed = [json.loads(line) for line in bundle.read("data/metadata/removed.jsonl").splitlines()]
        info = bundle.read("bag-info.txt").decode()
    assert [(row["report_id"], row["source"]) for row in removed] == [(r["r2"], "gd-gz")]
    assert removed[0]["removed_at"].startswith("2025-04-12T09:02")
    assert f"Since-Bundle: {base.bundle_id}" in info and "Removed-Count: 1" in info

    # a delta on the delta: nothing changed since, so empty unless allowed
    with pytest.raises(EmptySelectionError, match=f"nothing changed since bundle {delta.bundle_id}"):
        make_bundle(bundle_archive, tmp_path / "none.zip", since_bundle=delta.bundle_id)
    assert not (tmp_path / "none.zip").exists()


def test_delta_since_date_matches_delta_since_the_snapshot_of_that_date(
    bundle_archive: BundleArchive, tmp_path: Path
) -> None:
    base = make_bundle(bundle_archive, tmp_path / "base.zip", as_of=dt.date(2025, 3, 31))
    by_bundle = make_bundle(bundle_archive, tmp_path / "a.zip", since_bundle=base.bundle_id)
    by_date = make_bundle(bundle_archive, tmp_path / "b.zip", since=dt.date(2025, 3, 31))
    with zipfile.ZipFile(tmp_path / "a.zip") as a, zipfile.ZipFile(tmp_path / "b.zip") as b:
        assert a.read("manifest-sha256.txt") == b.read("manifest-sha256.txt")
    assert by_date.since == by_bundle.since == dt.datetime(2025, 4, 1, tzinfo=UTC)


def test_delta_on_a_filtered_bundle_inherits_its_filters(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    base = make_bundle(bundle_archive, tmp_path / "base.zip", as_of=dt.date(2025, 3, 31), sources=("bj-hd",))
    delta = make_bundle(bundle_archive, tmp_path / "delta.zip", since_bundle=base.bundle_id)
    rows = metadata_rows(tmp_path / "delta.zip")
    assert [(row["source"], row["report_id"]) for row in rows] == [("bj-hd", bundle_archive.reports["r5"])]
    assert delta.removed_count == 0  # r2 was removed, but it is not a bj-hd report


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"sources": ("gd-gz",)}, {"r1", "r2"}),
        ({"region": "北京"}, {"r3", "r5"}),
        ({"region": "广东省广州市"}, {"r1", "r2"}),
        ({"year": 2025}, {"r5"}),
        ({"sources": ("bj-hd", "gd-gz"), "year": 2024}, {"r1", "r2", "r3"}),
    ],
)
def test_filters_pick_sources_regions_and_years(
    bundle_archive: BundleArchive, tmp_path: Path, filters: dict[str, object], expected: set[str]
) -> None:
    result = make_bundle(bundle_archive, tmp_path / "b.zip", **filters)
    ids = {ident: name for name, ident in bundle_archive.reports.items()}
    assert {ids[row["report_id"]] for row in metadata_rows(tmp_path / "b.zip")} == expected
    assert result.report_count == len(expected)


def test_file_names_never_come_from_unsafe_source_names(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "b.zip", sources=("Weird Source/..",), include=EVERYTHING)
    names = zip_names(tmp_path / "b.zip")
    reports = [name for name in names if name.startswith("data/reports/")]
    assert reports and all(name.startswith("data/reports/_source-") for name in reports)
    assert not any(".." in name.split("/") or " " in name for name in names)


def test_bag_is_valid_bagit_with_raw_attachments_and_warc(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    r = bundle_archive.reports
    for fmt in ("zip", "tar"):
        path = tmp_path / f"b.{fmt}"
        result = make_bundle(bundle_archive, path, fmt=fmt, include=EVERYTHING)
        folder = extract(path, tmp_path / f"x-{fmt}")
        bag = bagit.Bag(str(folder))
        bag.validate()
        assert bag.info["Bagging-Software"].startswith("govarchive ")
        assert bag.info["Report-Count"] == "5" and bag.info["As-Of"] == "2025-04-15T09:00:00Z"
        assert json.loads(bag.info["Selection"])["include"] == ["text", "raw", "attachments", "warc"]
        assert verify_bundle(path).ok and verify_bundle(folder).ok
        base = folder / "data" / "reports" / "gd-gz" / str(r["r1"])
        assert (base / "v2.raw.html").read_bytes().startswith(b"<html>")
        pdfs = list((base / "v2-attachments").glob("*.pdf"))
        assert [p.name for p in pdfs] == ["report.pdf"], "attachments are named by their file names, not ids"
        assert pdfs[0].read_bytes().startswith(b"%PDF-1.4")
        assert (base / "v2-attachments" / "report.text.txt").read_text("utf-8").startswith("附件正文")
        with (folder / "data" / "warc" / "captures.warc.gz").open("rb") as warc:
            records = [(rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI")) for rec in ArchiveIterator(warc)]
        responses = sorted(uri for kind, uri in records if kind == "response")
        assert records[0][0] == "warcinfo" and len(responses) == 5
        assert result.attachment_count == 1


def test_csv_has_a_byte_order_mark_and_parquet_keeps_chinese(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as bundle:
        raw_csv = bundle.read("data/metadata/reports.csv")
        parquet = bundle.read("data/metadata/reports.parquet")
    assert raw_csv.startswith(b"\xef\xbb\xbfreport_id,version,")
    assert "广州市2024年法治政府建设年度报告" in raw_csv.decode("utf-8-sig")
    table = pq.read_table(io.BytesIO(parquet))
    assert table.num_rows == 5
    titles = set(table.column("title").to_pylist())
    assert "海淀区2025年第一季度报告" in titles
    assert str(table.schema.field("first_seen").type) == "timestamp[us, tz=UTC]"
    assert table.column("pub_date").to_pylist()[0] == dt.date(2022, 3, 29)


def test_stored_bundle_is_recorded_with_its_key(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    result = make_bundle(bundle_archive, tmp_path / "b.zip", store_copy=True)
    assert result.key == result.sha256
    assert bundle_archive.store.get_bytes(result.key) == (tmp_path / "b.zip").read_bytes()
    record = get_bundle(bundle_archive.engine, result.bundle_id or 0)
    assert (record.key, record.size, record.sha256, record.report_count) == (
        result.key, result.size, result.sha256, 5,
    )
    assert record.path == str((tmp_path / "b.zip").resolve())
    assert record.filename == f"govarchive-snapshot-2025-04-15-{result.bundle_id}.zip"
    assert [b.id for b in list_bundles(bundle_archive.engine)] == [result.bundle_id]

    only_stored = create_bundle(
        bundle_archive.engine, bundle_archive.store, BundleSelection(), None, "zip", store_copy=True
    )
    assert only_stored.path is None and only_stored.key == result.key  # same selection, same bytes


def test_stream_output_gets_the_same_bytes_as_a_file(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "b.tar", fmt="tar", include=EVERYTHING)
    sink = io.BytesIO()
    result = create_bundle(
        bundle_archive.engine, bundle_archive.store, BundleSelection(include=EVERYTHING), sink, "tar", record=False
    )
    assert sink.getvalue() == (tmp_path / "b.tar").read_bytes()
    assert result.bundle_id is None and result.path is None


def test_empty_selection_is_an_error_unless_allowed(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    with pytest.raises(EmptySelectionError, match="before the archive's first capture"):
        make_bundle(bundle_archive, tmp_path / "b.zip", as_of=dt.date(2025, 2, 28))
    with pytest.raises(EmptySelectionError, match="no report matches year=1999"):
        make_bundle(bundle_archive, tmp_path / "b.zip", year=1999)
    assert not (tmp_path / "b.zip").exists()
    result = make_bundle(bundle_archive, tmp_path / "b.zip", as_of=dt.date(2025, 2, 28), allow_empty=True)
    assert (result.report_count, result.version_count) == (0, 0)
    folder = extract(tmp_path / "b.zip", tmp_path / "x")
    bagit.Bag(str(folder)).validate()
    assert (folder / "data" / "metadata" / "reports.csv").read_bytes().count(b"\n") == 1


def test_bad_selections_raise_one_line_errors(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    with pytest.raises(UnknownSourceError, match="unknown source 'nope'"):
        make_bundle(bundle_archive, tmp_path / "b.zip", sources=("gd-gz", "nope"))
    with pytest.raises(NotFoundError, match="no bundle 42"):
        make_bundle(bundle_archive, tmp_path / "b.zip", since_bundle=42)
    with pytest.raises(BadSelectionError, match="later than as-of"):
        make_bundle(bundle_archive, tmp_path / "b.zip", since=dt.date(2025, 4, 2), as_of=dt.date(2025, 4, 1))
    with pytest.raises(BundleOutputError, match="does not exist"):
        make_bundle(bundle_archive, tmp_path / "missing" / "b.zip")
    with pytest.raises(BadSelectionError, match="unknown include"):
        BundleSelection(include=frozenset({"videos"}))
    with pytest.raises(BadSelectionError, match="unknown bundle format"):
        make_bundle(bundle_archive, tmp_path / "b.zip", fmt="rar")
    assert list(tmp_path.iterdir()) == [tmp_path / "archive"]


def test_delta_since_bundle_catches_versions_recorded_out_of_order(archive: Archive, pages: Pages, tmp_path: Path) -> None:
    archive.ensure_source("s")

    def record(number: str, fetched: dt.datetime) -> None:
        pages.clock = fetched - pages.step
        page = pages.page(f"http://www.x.gov.cn/{ord(number)}.html", html(number))
        archive.record_report("s", page, Pages.report(f"{number}\n{REPORT_TEXT}", title=number))

    record("一", dt.datetime(2025, 3, 1, tzinfo=UTC))
    record("二", dt.datetime(2025, 4, 30, tzinfo=UTC))  # fetched after the base's as-of, recorded early
    record("三", dt.datetime(2025, 4, 2, tzinfo=UTC))  # fetched before it, recorded later
    base = create_bundle(archive.engine, archive.store, BundleSelection(as_of=dt.date(2025, 4, 5)), tmp_path / "a.zip")
    record("四", dt.datetime(2025, 4, 3, tzinfo=UTC))  # fetched before the as-of, recorded after the bundle
    create_bundle(archive.engine, archive.store, BundleSelection(since_bundle=base.bundle_id), tmp_path / "d.zip")
    assert {row["title"] for row in metadata_rows(tmp_path / "a.zip")} == {"一", "三"}
    assert {row["title"] for row in metadata_rows(tmp_path / "d.zip")} == {"二", "四"}


def test_attachment_file_names_are_safe_and_unique() -> None:
    def info(i: int, name: str, url: str = "http://x.gov.cn/a", kind: str = "pdf") -> AttachmentInfo:
        return AttachmentInfo(id=i, url=url, name=name, type=kind, blob_key="k", size=1, sha256=None,
                              text_key=None, text_status="")

    names = attachment_file_names([
        info(1, "附件1：统计表.pdf"), info(2, "附件1：统计表.pdf"), info(3, "../../etc/passwd", kind="txt"),
        info(4, "", url="http://x.gov.cn/files/P020250320.pdf"), info(5, "CON.pdf"), info(6, "???", kind="doc"),
    ])
    assert names == {1: "附件1：统计表.pdf", 2: "附件1：统计表-2.pdf", 3: "etc_passwd.txt", 4: "P020250320.pdf",
                     5: "_CON.pdf", 6: "6.doc"}


def test_a_text_only_bag_counts_no_attachments(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    result = make_bundle(bundle_archive, tmp_path / "t.zip")  # texts only
    assert result.attachment_count == 0
    with zipfile.ZipFile(tmp_path / "t.zip") as bundle:
        assert not [n for n in bundle.namelist() if "-attachments/" in n]
        assert "Attachment-Count: 0" in bundle.read(next(n for n in bundle.namelist()
                                                          if n.endswith("bag-info.txt"))).decode("utf-8")
