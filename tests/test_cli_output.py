"""How the command line reads for a Chinese user: help without value hints on flags, any terminal
encoding, CJK tables aligned by display width, piped output never cut; sources remove/disable/enable."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from archive.urlmask import mask_url
from govarchive.cli.main import app
from govarchive.config import load_settings
from govarchive.launch.runner import print_summary, resolve_sources
from tests.cli_helpers import run_cli


def test_plain_flags_show_no_value_type(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["crawl", "--help"], ["alerts", "list", "--help"], ["sources", "add", "--help"]):
        result = run_cli(capsys, *args)
        assert result.code == 0 and "<bool>" not in result.out and "<list[" not in result.out, args
    crawl = run_cli(capsys, "crawl", "--help").out
    assert "or every enabled source with --all" in " ".join(crawl.replace("│", " ").split())
    assert "--region" in run_cli(capsys, "sources", "add", "--help").out
    assert app.info.name == "govarchive"


def _govarchive(home: Path, *args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")},
           "PYTHONIOENCODING": encoding, "LANG": "C", "LC_ALL": "C", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "govarchive", "--home", str(home), *args],
                          capture_output=True, env=env, timeout=120, check=False)


def test_a_terminal_that_cannot_show_chinese_gets_no_traceback(tmp_path: Path) -> None:
    table = _govarchive(tmp_path, "sources", "list", encoding="ascii")
    assert table.returncode == 0 and b"Traceback" not in table.stderr
    lines = [line for line in table.stdout.decode("ascii").splitlines() if line.startswith(" bjmy ")]
    assert lines and "??" in lines[0]  # two marks per Chinese character: columns stay aligned
    rows = table.stdout.decode("ascii").splitlines()[2:8]
    assert len({tuple(i for i, c in enumerate(row) if c == "|") for row in rows}) == 1
    as_json = _govarchive(tmp_path, "sources", "show", "bjmy", "--json", encoding="ascii")
    assert as_json.returncode == 0 and b"\\u5317\\u4eac" in as_json.stdout  # escaped, nothing lost
    error = _govarchive(tmp_path, "sources", "show", "没有这个", encoding="latin-1")
    assert error.returncode == 1 and error.stderr.startswith(b"error: unknown source '") and b"Traceback" not in error.stderr


def test_tables_align_chinese_by_display_width() -> None:
    from govarchive.cli import output

    buffer = io.StringIO()
    console = Console(file=buffer, width=100, highlight=False)
    original = output.console
    output.console = console
    try:
        output.print_table(["name", "title"], [("a", "北京市密云区人民政府"), ("bb", "x"), ("ccc", "西双版纳州")])
    finally:
        output.console = original
    rows = buffer.getvalue().splitlines()[2:]
    assert len(rows) == 3
    assert len({cell_len(row.split("│")[0]) for row in rows}) == 1  # the column bar lines up
    assert len({cell_len(row) for row in rows}) == 1  # every row pads to the same display width


def test_a_piped_crawl_summary_is_not_cut(capsys: pytest.CaptureFixture[str]) -> None:
    from govarchive.cli.output import console

    summary = {"run_id": 7, "status": "ok", "sources": [
        {"name": "discovery-heavy-portal-name", "discovered": 123456, "fetched": 120000, "new": 1, "changed": 2,
         "unchanged": 3, "removed": 4, "errors": 5, "status": "failing", "not_checked": 0, "resumed": 0,
         "blocked": 0, "requests": 1, "elapsed": 1.0, "error": None}]}
    print_summary(summary, console)  # the CLI's console: 200 columns when not a terminal
    out = capsys.readouterr().out
    assert "discovery-heavy-portal-name" in out and "failing" in out and "…" not in out


def test_dingtalk_urls_are_masked_with_single_slashes() -> None:
    masked = mask_url("dingtalk://abcdef0123456789abcdef/")
    assert "//" not in masked.split("://", 1)[1] and "abcdef0123456789abcdef" not in masked


def test_sources_remove_disable_enable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path)
    assert run_cli(capsys, "--home", home, "sources", "add", "mine", "--start-url", "http://a.gov.cn/l/",
                   "--region", "浙江省", "--level", "county").code == 0
    settings = load_settings(tmp_path)
    assert "mine" in [s.name for s in resolve_sources(settings, [], all_sources=True)]
    assert run_cli(capsys, "--home", home, "sources", "disable", "mine").code == 0
    names = [s.name for s in resolve_sources(settings, [], all_sources=True)]
    assert "mine" not in names  # --all leaves it out …
    assert [s.name for s in resolve_sources(settings, ["mine"])] == ["mine"]  # … naming it still crawls it
    listed = {s["name"]: s for s in run_cli(capsys, "--home", home, "sources", "list", "--json").json()}
    assert listed["mine"]["enabled"] is False
    refused = run_cli(capsys, "--home", home, "sources", "remove", "bjmy")
    assert refused.code == 1 and "built in and cannot be removed: disable it instead" in refused.err
    assert run_cli(capsys, "--home", home, "sources", "enable", "mine").code == 0
    assert "mine" in [s.name for s in resolve_sources(settings, [], all_sources=True)]
    removed = run_cli(capsys, "--home", home, "sources", "remove", "mine")
    assert removed.code == 0 and not (tmp_path / "sources" / "mine.toml").exists()
    assert run_cli(capsys, "--home", home, "sources", "remove", "mine").err.strip() == (
        "error: unknown source 'mine' (see `govarchive sources list`)")


def test_counts_read_as_english() -> None:
    from govarchive.cli.output import counted

    assert [counted(1, "error"), counted(2, "error"), counted(0, "delivery", "deliveries")] == [
        "1 error", "2 errors", "0 deliveries"]
