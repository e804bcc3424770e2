"""Bundle formats are plug-ins: a format registered by a test is offered, written and verified
without a change to create, verify or the CLI."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy.engine import Connection

from archive.bundles import (
    Problem,
    VerifyResult,
    WriteCounts,
    WriteJob,
    bundle_formats,
    get_format,
    register_format,
    unregister_format,
    verify_bundle,
)
from archive.bundles.containers import Container, read_text
from archive.bundles.select import ResolvedSelection
from tests.cli_helpers import run_cli
from tests.fixtures.bundles import BundleArchive, make_bundle


@dataclasses.dataclass(frozen=True)
class ToyFormat:
    """A zip of ``toy.jsonl`` (one line per version) and ``toy.sha256`` (that file's hash)."""

    name: str = "toy"
    kind: str = "toy"
    media_type: str = "application/zip"
    summary: str = "one JSON line per version"

    def check(self, conn: Connection, resolved: ResolvedSelection) -> None:
        pass

    def write(self, job: WriteJob, out: BinaryIO) -> WriteCounts:
        lines = b"".join(
            json.dumps({"report": v.report_id, "version": v.number, "text": v.text_key}).encode() + b"\n"
            for v in job.versions()
        )
        with zipfile.ZipFile(out, "w") as bundle:
            bundle.writestr("toy.jsonl", lines)
            bundle.writestr("toy.sha256", hashlib.sha256(lines).hexdigest())
        return WriteCounts(files=2, payload_bytes=len(lines))

    def recognises(self, container: Container, names: list[str]) -> bool:
        return "toy.sha256" in names

    def verify(self, path: Path, container: Container, names: list[str]) -> VerifyResult:
        with container.open("toy.jsonl") as stream:
            actual = hashlib.sha256(stream.read()).hexdigest()
        problems = () if actual == read_text(container, "toy.sha256") else (
            Problem("toy.jsonl", "bad", "sha256 does not match toy.sha256"),)
        return VerifyResult(path, self.kind, container.kind, 2, problems)


@pytest.fixture
def toy() -> Iterator[ToyFormat]:
    fmt = ToyFormat()
    register_format(fmt)
    yield fmt
    unregister_format(fmt.name)


def test_a_registered_format_is_offered_written_and_verified(
    toy: ToyFormat, bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bundle_formats() == ("zip", "tar", "wacz", "toy") and get_format("toy") is toy

    made = run_cli(capsys, "--home", str(bundle_archive.root), "bundle", "create", "--format", "toy",
                   "-o", str(tmp_path / "b.toy"), "--json")
    assert made.code == 0, made.err
    doc = made.json()
    assert doc["format"] == "toy" and doc["files"] == 2 and doc["versions"] >= 4
    with zipfile.ZipFile(tmp_path / "b.toy") as bundle:
        assert len(bundle.read("toy.jsonl").splitlines()) == doc["versions"]

    checked = verify_bundle(tmp_path / "b.toy")
    assert (checked.ok, checked.kind, checked.container) == (True, "toy", "zip")

    with zipfile.ZipFile(tmp_path / "b.toy") as bundle:
        sums = bundle.read("toy.sha256")
    with zipfile.ZipFile(tmp_path / "tampered.toy", "w") as bundle:
        bundle.writestr("toy.jsonl", b'{"report": 1}\n')
        bundle.writestr("toy.sha256", sums)
    tampered = verify_bundle(tmp_path / "tampered.toy")
    assert not tampered.ok and tampered.problems[0].path == "toy.jsonl"

    # the built-in formats are still verified by their own rules
    assert verify_bundle(make_bundle(bundle_archive, tmp_path / "b.zip").path).kind == "bag"


def test_an_unregistered_format_is_refused_in_one_line(
    bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "toy" not in bundle_formats()
    result = run_cli(capsys, "--home", str(bundle_archive.root), "bundle", "create", "--format", "toy",
                     "-o", str(tmp_path / "b.toy"))
    assert result.code == 2 and result.err.strip() == "error: --format: 'toy' is not one of zip, tar, wacz"
