"""``python -m govarchive.install_check``: import every module of ours and everything they import lazily.

Imports inside functions (kept there for start-up time) are invisible until the code path runs;
an install that lacks one (a resolver that left out ``lxml_html_clean``, say) then fails on the
first page that needs it. This finds them all by reading the source and imports each one.
Exit 0 when every import works; 1 with one line per failure otherwise.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("archive", "crawler", "spiders", "alerts", "scheduler", "govarchive")


def our_modules() -> Iterator[tuple[str, Path]]:
    """(dotted name, file) of every module of the installed packages."""
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root.parent).with_suffix("").parts
            if "migrations" in parts:
                continue  # Alembic loads these itself, inside its own context
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def lazy_imports(path: Path, module: str) -> set[str]:
    """Absolute names of the modules ``path`` imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    if path.name != "__init__.py":
                        base = base[:-1]
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    found.add(".".join([*base, node.module] if node.module else base))
                elif node.module:
                    found.add(node.module)
    return found


def check() -> list[str]:
    """One line per module that does not import, and per package installed without its py.typed."""
    failures: list[str] = []
    wanted: dict[str, str] = {}
    for name, path in our_modules():
        wanted.setdefault(name, str(path))
        for lazy in lazy_imports(path, name):
            wanted.setdefault(lazy, f"{path} (inside a function)")
    for package in PACKAGES:  # PEP 561: type checkers read an installed package's hints only with it
        if not (Path(importlib.import_module(package).__file__ or "").parent / "py.typed").is_file():
            failures.append(f"{package}/py.typed is not installed (the PEP 561 marker of a typed package)")
    for name in sorted(wanted):
        if name.endswith("__main__"):
            continue  # importing it would run the command
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 — every failure is reported, with its reason
            failures.append(f"cannot import {name} (imported by {wanted[name]}): {type(exc).__name__}: {exc}")
    return failures


def main() -> int:
    failures = check()
    for line in failures:
        print(line, file=sys.stderr)
    if not failures:
        print(f"install check: every module of {', '.join(PACKAGES)} and its lazy imports import")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
