"""The layout's dependency direction holds: govarchive → scheduler → alerts → spiders → crawler → archive.

Each package imports only packages to its right (at runtime or for type checking alike). Only the
application (``govarchive/``) imports ``govarchive.config`` or reads ``GOVARCHIVE_*`` environment
variables; lower packages receive values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("govarchive", "scheduler", "alerts", "spiders", "crawler", "archive")
ALLOWED = {package: set(ORDER[index + 1:]) for index, package in enumerate(ORDER)}
LOWER = ORDER[1:]
ENV_PREFIX = "GOVARCHIVE_"
# The one module below the application that names GOVARCHIVE_* strings: the Scrapy setting keys the
# application's launchers set, each named once by the frozen CrawlConfig (none reads the environment:
# test_no_environment_reads_below_the_application).
GOVARCHIVE_KEYS_ALLOWED = {"crawler/config.py"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Dotted names of everything ``path`` imports absolutely (inside functions and TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_every_package_is_placed() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "scripts", "build", "docs"}
    assert packages == set(ORDER), f"place new packages in ORDER: {sorted(packages ^ set(ORDER))}"


def package_graph() -> dict[str, dict[str, int]]:
    """For each package, the packages of ours it imports and from how many of its modules."""
    graph: dict[str, dict[str, int]] = {package: {} for package in ORDER}
    for package in ORDER:
        for path in _modules(package):
            for target in {name.split(".")[0] for name in _imports(path)} & set(ORDER) - {package}:
                graph[package][target] = graph[package].get(target, 0) + 1
    return graph


def test_the_graph_points_one_way() -> None:
    graph = package_graph()
    assert all(set(targets) <= ALLOWED[package] for package, targets in graph.items()), graph
    assert graph["archive"] == {}  # the archive imports none of ours
    assert graph["govarchive"]  # the scanner sees the application's imports


@pytest.mark.parametrize("package", ORDER)
def test_dependency_direction(package: str) -> None:
    offenders = []
    for path in _modules(package):
        bad = {name for name in _imports(path)
               if name.split(".")[0] in ORDER and name.split(".")[0] not in ALLOWED[package] | {package}}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    assert not offenders, "\n".join(offenders)


def _environment_reads(path: Path) -> list[int]:
    """Lines where ``path`` reads the environment (``os.environ``, ``os.getenv``, ``environ[...]``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"} or isinstance(node, ast.Name) and node.id in {"environ", "getenv"}:
            lines.append(node.lineno)
    return lines


# Modules below the application that pass the environment on whole to a child process, never
# reading a variable of ours from it.
ENVIRONMENT_ALLOWED = {
    "crawler/extraction/readers/tools.py",  # document tools keep PATH, HOME, locale
    "scheduler/app.py",  # crawl children inherit the service's environment (plus options.child_env)
}


@pytest.mark.parametrize("package", LOWER)
def test_no_environment_reads_below_the_application(package: str) -> None:
    offenders = []
    for path in _modules(package):
        relative = path.relative_to(ROOT).as_posix()
        lines = _environment_reads(path)
        text = path.read_text(encoding="utf-8")
        if lines and (relative not in ENVIRONMENT_ALLOWED or ENV_PREFIX in text):
            offenders.append(f"{relative}:{lines[0]} reads the environment")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("package", LOWER)
def test_govarchive_variables_only_in_the_application(package: str) -> None:
    named = {path.relative_to(ROOT).as_posix() for path in _modules(package)
             if ENV_PREFIX in path.read_text(encoding="utf-8")}
    mine = {m for m in GOVARCHIVE_KEYS_ALLOWED if m.split("/")[0] == package}
    assert named <= mine, f"new GOVARCHIVE_ names below the application: {sorted(named - mine)}"
    assert mine <= named, f"no longer names GOVARCHIVE_ (drop from the allow-list): {sorted(mine - named)}"


def test_the_scanner_sees_imports_in_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from spiders.sources import X\n"
                      "def f():\n    import govarchive.config\n    return os.environ['GOVARCHIVE_HOME']\n")
    assert _imports(sample) >= {"spiders.sources", "govarchive.config"}
    assert _environment_reads(sample) == [6]


if __name__ == "__main__":  # python -m tests.test_layout: the import graph as a Markdown table
    print("| package | imports (from how many of its modules) | lines |\n|---|---|---|")
    for name, targets in package_graph().items():
        lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in _modules(name))
        shown = ", ".join(f"{t} ({n})" for t, n in sorted(targets.items(), key=lambda item: ORDER.index(item[0])))
        print(f"| `{name}` | {shown or 'none of ours'} | {lines:,} |")
