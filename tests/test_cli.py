"""The command line's contract: --help everywhere, exit codes 0 / 1 / 2, --json documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govarchive.cli.main import _COMMANDS
from tests.cli_helpers import run_cli

COMMAND_NAMES = sorted({name for _, _, name, _ in _COMMANDS})


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], name: str) -> None:
    result = run_cli(capsys, name, "--help")
    assert result.code == 0
    assert "Usage" in result.out


def test_every_contract_command_exists() -> None:
    contract = {"init", "config", "sources", "crawl", "reports", "diff", "extract", "verify", "alerts",
                "feed", "schedule", "bundle", "serve", "worker", "demo"}
    assert contract <= set(COMMAND_NAMES)


def test_unknown_command_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "no-such-command")
    assert result.code == 2
    assert "No such command" in result.err


def test_unknown_option_is_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_cli(capsys, "--home", str(tmp_path), "config", "show", "--no-such-option")
    assert result.code == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--version")
    assert result.code == 0
    assert result.out.startswith("govarchive ")


def test_init_creates_the_home(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    home = tmp_path / "data"
    result = run_cli(capsys, "--home", str(home), "init", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["config_created"] is True
    assert (home / "govarchive.toml").is_file()
    assert (home / "catalog.db").is_file()
    again = run_cli(capsys, "--home", str(home), "init", "--json")
    assert again.code == 0
    assert again.json()["config_created"] is False


def test_init_in_unwritable_place_fails_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run_cli(capsys, "--home", str(blocker / "home"), "init")
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "not writable" in result.err


def test_console_script_runs_as_module(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "govarchive", "--home", str(tmp_path), "config", "show", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert '"catalog"' in completed.stdout


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    # a crawl child must not import the web app, the scheduler, bundles… (seconds of CPU per crawl)
    code = ("import sys\nfrom govarchive.cli.main import main\ntry:\n    main(['--home', sys.argv[1], 'crawl', '--help'])\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in ('fastapi', 'govarchive.web', 'scheduler.app', "
            "'archive.bundles', 'govarchive.demo', 'govarchive.cli.serve') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                               timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "Usage" in completed.stdout
    assert completed.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command_after_one_ran(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "feed", "--help").code == 0
    listed = run_cli(capsys, "--help").out
    assert all(f" {name} " in listed for name in COMMAND_NAMES)
    assert listed.index(" init ") < listed.index(" crawl ") < listed.index(" feed ") < listed.index(" demo ")


def test_an_unreachable_catalog_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVARCHIVE_CATALOG__URL", "postgresql+psycopg://u:pw@127.0.0.1:1/none")
    result = run_cli(capsys, "--home", str(tmp_path), "reports", "list")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "pw@" not in result.err
    assert len(result.err.strip().splitlines()) == 1
