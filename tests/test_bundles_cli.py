"""``govarchive bundle create|verify|list`` through the real entry point: output, JSON, exit codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.cli_helpers import CliResult, run_cli
from tests.fixtures.bundles import BundleArchive, extract


def _bundle(capsys: pytest.CaptureFixture[str], archive: BundleArchive, *args: str) -> CliResult:
    return run_cli(capsys, "--home", str(archive.root), "bundle", *args)


def test_create_list_and_verify(bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "snapshot.zip"
    made = _bundle(capsys, bundle_archive, "create", "--as-of", "2025-03-31", "-o", str(out))
    assert made.code == 0, made.err
    assert made.out.startswith("bundle 1: snapshot as of 2025-03-31 → ")
    assert "reports: 4, versions: 4" in made.out and made.err == ""

    delta = _bundle(capsys, bundle_archive, "create", "--since-bundle", "1", "--include", "text,raw",
                    "--format", "tar", "-o", str(tmp_path / "delta.tar"), "--json")
    assert delta.code == 0, delta.err
    doc = delta.json()
    assert (doc["id"], doc["kind"], doc["format"], doc["versions"], doc["removed"]) == (2, "delta", "tar", 2, 1)
    assert doc["base_bundle_id"] == 1 and doc["selection"]["include"] == ["text", "raw"]
    assert doc["path"] == str((tmp_path / "delta.tar").resolve())

    listed = _bundle(capsys, bundle_archive, "list", "--json")
    assert [(b["id"], b["kind"], b["format"], b["sha256"]) for b in listed.json()] == [
        (1, "snapshot", "zip", made.out.split("sha256 ")[1].split()[0]),
        (2, "delta", "tar", doc["sha256"]),
    ]
    table = _bundle(capsys, bundle_archive, "list")
    assert table.code == 0 and "delta" in table.out and "bundle 1" in table.out

    checked = _bundle(capsys, bundle_archive, "verify", str(tmp_path / "delta.tar"))
    assert checked.code == 0 and "is valid" in checked.out


def test_store_without_a_local_file(bundle_archive: BundleArchive, capsys: pytest.CaptureFixture[str]) -> None:
    made = _bundle(capsys, bundle_archive, "create", "--store", "--format", "wacz", "--json")
    assert made.code == 0, made.err
    doc = made.json()
    assert doc["path"] is None and doc["key"] == doc["sha256"]
    assert bundle_archive.store.exists(doc["key"])
    assert _bundle(capsys, bundle_archive, "list", "--json").json()[0]["key"] == doc["key"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--as-of", "2020-01-01"], 1, "as-of 2020-01-01 is before the archive's first capture"),
        (["--year", "1999"], 1, "no report matches year=1999"),
        (["--region", "西藏"], 1, "no report matches region=西藏"),
        (["--source", "gd-gz", "--source", "nope"], 1, "unknown source 'nope'"),
        (["--since-bundle", "9"], 1, "no bundle 9"),
        (["--since", "2025-05-01", "--as-of", "2025-04-01"], 1, "is later than as-of"),
        (["--since", "2025-04-01", "--since-bundle", "1"], 2, "give --since or --since-bundle, not both"),
        (["--as-of", "yesterday"], 2, "--as-of: 'yesterday' is not a date"),
        (["--format", "rar"], 2, "--format: 'rar' is not one of zip, tar, wacz"),
        (["--include", "text,video"], 2, "--include: unknown video"),
    ],
)
def test_bad_input_gives_one_line_and_no_file(
    bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    args: list[str], code: int, message: str,
) -> None:
    result = _bundle(capsys, bundle_archive, "create", *args, "-o", str(tmp_path / "b.zip"))
    assert result.code == code
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error: ")
    assert result.out == ""
    assert list(tmp_path.iterdir()) == [tmp_path / "archive"]


def test_output_in_a_missing_folder(bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "b.zip"
    result = _bundle(capsys, bundle_archive, "create", "-o", str(target))
    assert result.code == 1
    assert result.err.strip() == f"error: cannot write bundle {str(target)!r}: folder {str(target.parent)!r} does not exist"


def test_missing_output_option_is_bad_usage(bundle_archive: BundleArchive, capsys: pytest.CaptureFixture[str]) -> None:
    result = _bundle(capsys, bundle_archive, "create")
    assert result.code == 2 and "give -o PATH" in result.err


def test_allow_empty_writes_a_valid_empty_bag(
    bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "empty.zip"
    result = _bundle(capsys, bundle_archive, "create", "--as-of", "2020-01-01", "--allow-empty", "-o", str(out), "--json")
    assert result.code == 0 and result.json()["versions"] == 0
    with zipfile.ZipFile(out) as bag:
        assert "Version-Count: 0" in bag.read("bag-info.txt").decode()
    assert _bundle(capsys, bundle_archive, "verify", str(out)).code == 0


def test_verify_names_the_tampered_file(bundle_archive: BundleArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b.zip"
    assert _bundle(capsys, bundle_archive, "create", "-o", str(out)).code == 0
    folder = extract(out, tmp_path / "bag")
    (victim,) = sorted(folder.glob("data/reports/gd-gz/*/v2.txt"))
    victim.write_bytes(victim.read_bytes().replace("广州".encode(), "廣州".encode(), 1))
    name = victim.relative_to(folder).as_posix()

    result = _bundle(capsys, bundle_archive, "verify", str(folder))
    assert result.code == 1
    assert f"bad      {name}: sha256 checksum does not match the manifest" in result.out
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: bag ") and name in line

    as_json = _bundle(capsys, bundle_archive, "verify", str(folder), "--json")
    assert as_json.code == 1
    doc = json.loads(as_json.out)
    assert doc["valid"] is False and doc["problems"][0]["path"] == name


@pytest.mark.parametrize("content", [None, b"just some bytes, not a bundle"])
def test_verify_refuses_what_is_not_a_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None) -> None:
    target = tmp_path / "thing.zip"
    if content is not None:
        target.write_bytes(content)
    result = run_cli(capsys, "bundle", "verify", str(target))
    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert str(target) in line and ("does not exist" in line or "neither a zip" in line)


def test_list_on_a_missing_home_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--home", str(tmp_path / "no-home"), "bundle", "list")
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
