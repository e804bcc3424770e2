"""Every repository path the docs and docstrings name exists (no stale references)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# dir/name.ext with at least one slash; a leading "$", "<", "~" or "sources/" is a data-home example.
_PATH = re.compile(r"(?<![\w$<~/.:-])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]+\.(?:py|md|toml|sh|yaml|yml|ini|cfg))\b")
_HOME_EXAMPLES = ("sources/", "GOVARCHIVE_HOME/")


def _tracked(pattern: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / line for line in out.stdout.splitlines()]


def _missing(files: list[Path]) -> list[str]:
    missing = []
    for file in files:
        for path in sorted(set(_PATH.findall(file.read_text(encoding="utf-8")))):
            if path.startswith(_HOME_EXAMPLES):
                continue
            if not ((REPO / path).exists() or (file.parent / path).exists()):
                missing.append(f"{file.relative_to(REPO) if file.is_relative_to(REPO) else file.name}: {path}")
    return missing


def test_paths_named_in_the_docs_exist() -> None:
    docs = [REPO / "README.md", *_tracked("docs/*.md")]
    assert len(docs) > 5
    assert _missing(docs) == []


@pytest.mark.parametrize("package", ["govarchive", "scheduler", "spiders", "crawler", "archive", "bench", "tests"])
def test_paths_named_in_code_exist(package: str) -> None:
    files = [f for f in _tracked(f"{package}/*.py") if f.exists()]
    assert files
    assert _missing(files) == []


def test_the_check_finds_a_stale_path(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    stale = "crawler/" + "no_such_module.py"  # split: this file is checked too
    doc.write_text(f"see `{stale}` and `archive/changes.py`", encoding="utf-8")
    assert [m.split(": ", 1)[1] for m in _missing([doc])] == [stale]
