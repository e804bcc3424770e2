"""Fixity checks: every named object re-hashed; missing, corrupt and orphaned objects reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from archive.catalog.models import Version
from archive.recorder import Archive
from archive.verify import named_objects, verify_archive
from govarchive.cli.context import open_home_archive
from govarchive.config import load_settings
from tests.cli_helpers import run_cli
from tests.fixtures.archive import REPORT_TEXT, Pages, html
from tests.fixtures.seaweedfs import StoreBackend

URL = "http://gov.test/a.html"


def fill(archive: Archive, pages: Pages) -> None:
    pdf = pages.attachment("http://gov.test/a.pdf", b"%PDF-1.7 attachment", "附件文字")
    archive.record_report("mile", pages.page(URL, html(REPORT_TEXT)), pages.report(attachments=(pdf,)))
    archive.record_report(
        "mile", pages.page(URL, html(REPORT_TEXT + "补充。")), pages.report(REPORT_TEXT + "补充。")
    )


def text_keys(archive: Archive) -> list[str]:
    with Session(archive.engine) as db:
        return [v.text_key for v in db.exec(select(Version).order_by(Version.number))]


def test_verify_finds_missing_corrupt_and_orphaned_objects(
    store_backend: StoreBackend, catalog_engine: object, pages: Pages
) -> None:
    archive = Archive(catalog_engine, store_backend.store)  # type: ignore[arg-type]
    fill(archive, pages)
    clean = verify_archive(archive.engine, archive.store)
    assert clean.passed and clean.checked == len(named_objects(archive.engine)) == 8 and clean.orphans == []

    first, second = text_keys(archive)
    store_backend.store.delete(first)
    store_backend.overwrite_raw(second, b"tampered bytes")
    orphan = store_backend.store.put_bytes(b"nothing names me")
    seen: list[tuple[int, int]] = []
    report = verify_archive(archive.engine, archive.store, on_progress=lambda d, t: seen.append((d, t)))

    assert not report.passed
    assert [p.key for p in report.missing] == [first]
    assert report.missing[0].references == ["versions.text_key#1"]
    assert [p.key for p in report.corrupt] == [second]
    assert report.orphans == [orphan]
    assert seen[-1] == (clean.checked, clean.checked)
    document = report.to_json()
    assert (document["ok"], len(document["missing"]), len(document["corrupt"]), document["orphan_count"]) == (
        False,
        1,
        1,
        1,
    )


def test_cli_verify_exit_codes(tmp_path: Path, pages: Pages, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    archive = open_home_archive(load_settings(home))
    fill(archive, pages)

    ok = run_cli(capsys, "--home", str(home), "verify", "--json")
    assert ok.code == 0 and ok.json()["ok"] is True

    first, second = text_keys(archive)
    archive.store.delete(first)
    for path in (home / "objects").rglob(f"{second}*"):
        path.chmod(0o644)
        path.write_bytes(b"\x00garbage")
    bad = run_cli(capsys, "--home", str(home), "verify", "--json")
    assert bad.code == 1
    assert {p["key"] for p in bad.json()["missing"] + bad.json()["corrupt"]} == {first, second}
    assert "1 objects missing and 1 corrupt" in bad.err

    human = run_cli(capsys, "--home", str(home), "verify")
    assert human.code == 1 and "missing" in human.out and first in human.out
