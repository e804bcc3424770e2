"""The type checker's configuration covers what we ship, and what we ship says it is typed."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = sorted(pattern.removesuffix("*") for pattern in PROJECT["tool"]["setuptools"]["packages"]["find"]["include"])


def test_mypy_checks_every_package_we_ship() -> None:
    assert PACKAGES and sorted(PROJECT["tool"]["mypy"]["files"]) == PACKAGES


def test_every_package_carries_the_py_typed_marker() -> None:
    assert "py.typed" in PROJECT["tool"]["setuptools"]["package-data"]["*"]
    missing = [package for package in PACKAGES if not (REPO / package / "py.typed").is_file()]
    assert missing == []


def test_missing_imports_are_ignored_only_for_packages_without_types() -> None:
    """A package that ships py.typed is checked against its own hints, never ignored wholesale."""
    ignored = [
        module.removesuffix(".*")
        for override in PROJECT["tool"]["mypy"]["overrides"]
        if override.get("ignore_missing_imports")
        for module in ([override["module"]] if isinstance(override["module"], str) else override["module"])
    ]
    assert ignored
    typed = []
    for module in ignored:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, f"{module} is not installed"
        if (Path(spec.origin).parent / "py.typed").is_file():
            typed.append(module)
    assert typed == []


def _ignores() -> list[tuple[str, str, str]]:
    """(place, line, previous line) of every ``# type: ignore`` in our packages."""
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, 1):
                if re.search(r"#\s*type:\s*ignore", line):
                    previous = lines[number - 2] if number > 1 else ""
                    found.append((f"{path.relative_to(REPO)}:{number}", line, previous))
    return found


def test_every_type_ignore_names_its_error_code() -> None:
    assert [place for place, line, _ in _ignores() if re.search(r"#\s*type:\s*ignore(?!\[)", line)] == []


def test_every_type_ignore_says_why() -> None:
    """A reason in a comment on the line, on the line above, or above a run of such lines."""
    unexplained = []
    for place, line, previous in _ignores():
        other_comment = re.sub(r"#\s*type:\s*ignore\[[\w,-]+\]", "", line).find("#") >= 0
        explained_above = previous.strip().startswith("#") or "type: ignore" in previous
        if not (other_comment or explained_above):
            unexplained.append(place)
    assert unexplained == []
