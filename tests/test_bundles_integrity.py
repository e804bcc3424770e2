"""Bundles are reproducible and self-verifying, and never appear half-written under their name."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import time_machine

from archive.bundles import BundleSelection, create_bundle, verify_bundle
from archive.errors import CorruptObjectError
from archive.recorder import Archive
from tests.fixtures.archive import REPORT_TEXT, Pages, html
from tests.fixtures.bundles import BundleArchive, extract, make_bundle

EVERYTHING = frozenset({"text", "raw", "attachments", "warc"})
REPO = Path(__file__).resolve().parents[1]


def _flip_byte_of(path: Path, needle: bytes) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    assert at >= 0 and data.find(needle, at + 1) < 0, "the needle must occur exactly once"
    data[at + len(needle) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("fmt", ["zip", "tar", "wacz"])
def test_same_selection_gives_identical_bytes(bundle_archive: BundleArchive, tmp_path: Path, fmt: str) -> None:
    first = make_bundle(bundle_archive, tmp_path / f"one.{fmt}", fmt=fmt, include=EVERYTHING)
    # a day later on the wall clock, into another folder: nothing of that may leak into the bytes
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, seconds=7), tick=False):
        second = make_bundle(bundle_archive, tmp_path / f"two.{fmt}", fmt=fmt, include=EVERYTHING)
    assert (tmp_path / f"one.{fmt}").read_bytes() == (tmp_path / f"two.{fmt}").read_bytes()
    assert first.sha256 == second.sha256 and first.bundle_id != second.bundle_id


def test_same_as_of_gives_identical_bytes_after_the_archive_grew(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    """A snapshot as of a past date is stable: later versions and bundles do not change it."""
    before = make_bundle(bundle_archive, tmp_path / "a.zip", as_of=dt.date(2025, 3, 31))
    make_bundle(bundle_archive, tmp_path / "later.zip")
    again = make_bundle(bundle_archive, tmp_path / "b.zip", as_of=dt.date(2025, 3, 31))
    assert before.sha256 == again.sha256
    with zipfile.ZipFile(tmp_path / "a.zip") as bundle:
        dates = {info.date_time for info in bundle.infolist()}
        modes = {info.external_attr >> 16 for info in bundle.infolist()}
    assert dates == {(2025, 3, 31, 23, 59, 58)} and modes == {0o100644}  # zip keeps even seconds


def test_verify_names_bad_missing_and_extra_files_in_a_folder(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    r1 = bundle_archive.reports["r1"]
    make_bundle(bundle_archive, tmp_path / "b.zip", include=EVERYTHING)
    folder = extract(tmp_path / "b.zip", tmp_path / "bag")
    text = folder / f"data/reports/gd-gz/{r1}/v2.txt"
    text.write_text(text.read_text("utf-8").replace("广州市", "广州巿"), "utf-8")
    (folder / "data/reports/bj-hd").joinpath(f"{bundle_archive.reports['r5']}/v1.raw.html").unlink()
    (folder / "data/notes.txt").write_text("added later", "utf-8")
    result = verify_bundle(folder)
    problems = {(p.kind, p.path) for p in result.problems}
    assert problems == {
        ("bad", f"data/reports/gd-gz/{r1}/v2.txt"),
        ("missing", f"data/reports/bj-hd/{bundle_archive.reports['r5']}/v1.raw.html"),
        ("extra", "data/notes.txt"),
        ("bad", "bag-info.txt"),  # Payload-Oxum no longer matches
    }
    assert not result.ok and f"data/reports/gd-gz/{r1}/v2.txt" in result.summary()


def test_verify_catches_an_edited_tag_file(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "b.tar", fmt="tar")
    folder = extract(tmp_path / "b.tar", tmp_path / "bag")
    info = folder / "bag-info.txt"
    info.write_text(info.read_text("utf-8").replace("Report-Count: 5", "Report-Count: 6"), "utf-8")
    result = verify_bundle(folder)
    assert [(p.kind, p.path) for p in result.problems] == [("bad", "bag-info.txt")]


def test_verify_catches_a_rewritten_zip_entry(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    r3 = bundle_archive.reports["r3"]
    make_bundle(bundle_archive, tmp_path / "b.zip")
    target = f"data/reports/bj-hd/{r3}/v1.txt"
    with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(tmp_path / "forged.zip", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + "（已修改）".encode() if info.filename == target else data)
    assert verify_bundle(tmp_path / "b.zip").ok
    result = verify_bundle(tmp_path / "forged.zip")
    assert [(p.kind, p.path) for p in result.problems] == [("bad", target), ("bad", "bag-info.txt")]
    assert "Payload-Oxum" in result.problems[1].detail


def test_verify_catches_flipped_bytes_inside_zip_and_tar(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    r2 = bundle_archive.reports["r2"]
    make_bundle(bundle_archive, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as bundle:
        parquet = bundle.read("data/metadata/reports.parquet")  # stored, not deflated: its bytes are in the file
    _flip_byte_of(tmp_path / "b.zip", parquet[100:164])
    result = verify_bundle(tmp_path / "b.zip")
    assert [(p.kind, p.path) for p in result.problems] == [("bad", "data/metadata/reports.parquet")]

    make_bundle(bundle_archive, tmp_path / "b.tar", fmt="tar")
    name = f"data/reports/gd-gz/{r2}/v1.txt"
    text = extract(tmp_path / "b.tar", tmp_path / "plain").joinpath(name).read_bytes()
    _flip_byte_of(tmp_path / "b.tar", text)
    result = verify_bundle(tmp_path / "b.tar")
    assert [(p.kind, p.path) for p in result.problems] == [("bad", name)]


def _validate_wacz(path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from wacz.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "validate", "-f", str(path)], capture_output=True, text=True, timeout=120
    )


def test_wacz_validates_with_py_wacz_and_indexes_every_capture(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    result = make_bundle(bundle_archive, tmp_path / "b.wacz", fmt="wacz")
    checked = _validate_wacz(tmp_path / "b.wacz")
    assert checked.returncode == 0 and "Validation succeeded" in checked.stdout, checked.stdout + checked.stderr
    assert verify_bundle(tmp_path / "b.wacz").ok
    with zipfile.ZipFile(tmp_path / "b.wacz") as wacz:
        names = wacz.namelist()
        index = wacz.read("indexes/index.cdx").decode().splitlines()
        pages = wacz.read("pages/pages.jsonl").decode().splitlines()
        warc = wacz.getinfo("archive/data.warc.gz")
    assert names == [
        "archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json",
    ]
    assert warc.compress_type == zipfile.ZIP_STORED  # replay reads ranges of it
    assert len(index) == 5 and index == sorted(index)
    assert any(line.startswith("cn,gov,gz)/a/1.html 20250410090000 ") for line in index)
    assert len(pages) == 6 and '"format":"json-pages-1.0"' in pages[0]
    assert result.format == "wacz" and result.version_count == 5


def test_tampered_wacz_fails_both_validators(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "b.wacz", fmt="wacz")
    with zipfile.ZipFile(tmp_path / "b.wacz") as src, zipfile.ZipFile(tmp_path / "forged.wacz", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data.replace(b"gz.gov.cn", b"gz.gov.cx") if info.filename.startswith("pages/") else data)
    assert _validate_wacz(tmp_path / "forged.wacz").returncode == 1
    result = verify_bundle(tmp_path / "forged.wacz")
    assert [(p.kind, p.path) for p in result.problems] == [("bad", "pages/pages.jsonl")]


def test_a_corrupt_stored_object_stops_the_bundle(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    make_bundle(bundle_archive, tmp_path / "good.zip")
    with zipfile.ZipFile(tmp_path / "good.zip") as bundle:
        key = bundle.read("manifest-sha256.txt").split()[0].decode()  # the first text's key is its sha256
    (stored,) = [p for p in bundle_archive.store_root.rglob(f"{key}*") if p.is_file()]
    stored.chmod(0o644)
    stored.write_bytes(b"\x28\xb5\x2f\xfd" + b"damaged" * 10 if stored.suffix == ".zst" else b"damaged")
    with pytest.raises(CorruptObjectError, match=key):
        make_bundle(bundle_archive, tmp_path / "bad.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "good.zip"]


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from archive.bundles import BundleSelection, create_bundle
    from archive.catalog.database import create_catalog_engine
    from archive.storage import open_store

    catalog, store_url, out, ready = sys.argv[1:5]

    def progress(done, total):
        if done == 2:
            Path(ready).write_text("halfway")
            time.sleep(120)

    create_bundle(create_catalog_engine(catalog), open_store(store_url),
                  BundleSelection(include=frozenset({"text", "raw", "warc"})), Path(out), "zip", progress=progress)
    """
)


def test_killed_process_leaves_only_a_partial_file(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    out, ready = tmp_path / "b.zip", tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, bundle_archive.catalog_url, bundle_archive.store_root.as_uri(),
         str(out), str(ready)],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the bundling child never got halfway"
        assert (tmp_path / "b.zip.partial").stat().st_size > 0 and not out.exists()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not out.exists()
    # the next run replaces the stale partial file and produces a valid bundle
    make_bundle(bundle_archive, out, include=frozenset({"text", "raw", "warc"}))
    assert verify_bundle(out).ok and not (tmp_path / "b.zip.partial").exists()


_ENOSPC_SCRIPT = 'mount -t tmpfs -o size=16k tmpfs "$1" || exit 97\n"${@:2}"\necho "rc=$?"\nls -A "$1"\n'


def test_full_disk_leaves_no_bundle_and_says_so(bundle_archive: BundleArchive, tmp_path: Path) -> None:
    """The output folder is a 16 KiB tmpfs (in a private mount namespace): the bundle cannot fit."""
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux unshare for a private tmpfs")
    small = tmp_path / "small"
    small.mkdir()
    command = [
        "unshare", "--user", "--map-root-user", "--mount", "bash", "-c", _ENOSPC_SCRIPT, "enospc", str(small),
        sys.executable, "-m", "govarchive", "--home", str(bundle_archive.root),
        "bundle", "create", "--include", "text,raw,warc", "-o", str(small / "b.zip"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    if done.returncode == 97 or "rc=" not in done.stdout:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()[:200]}")
    assert done.stdout.splitlines()[0] == "rc=1", done.stdout + done.stderr
    assert done.stdout.splitlines()[1:] == []  # neither b.zip nor b.zip.partial
    assert done.stderr.strip().splitlines() == [
        f"error: cannot write bundle {str(small / 'b.zip')!r}: No space left on device"
    ]


def test_wacz_of_a_revisit_carries_the_response_it_refers_to(archive: Archive, pages: Pages, tmp_path: Path) -> None:
    """A metadata-only change re-fetches identical bytes: its capture is a revisit record."""
    archive.ensure_source("s")
    body = html(REPORT_TEXT)
    archive.record_report("s", pages.page("http://x.gov.cn/a.html", body), Pages.report(title="旧标题"))
    archive.record_report("s", pages.page("http://x.gov.cn/a.html", body), Pages.report(title="新标题"))
    result = create_bundle(archive.engine, archive.store, BundleSelection(), tmp_path / "b.wacz", "wacz")
    assert result.version_count == 1  # only version 2 is current
    with zipfile.ZipFile(tmp_path / "b.wacz") as wacz:
        kinds = [json.loads(line.split(" ", 2)[2])["mime"] for line in wacz.read("indexes/index.cdx").decode().splitlines()]
    assert kinds == ["text/html", "warc/revisit"]
    checked = _validate_wacz(tmp_path / "b.wacz")
    assert checked.returncode == 0, checked.stdout
