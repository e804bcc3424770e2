"""Bulk onboarding: a CSV of portals becomes source definitions, all or nothing.

Columns ``name,title,division_code,level,start_url`` and, optionally, ``match``, ``render``,
``schedule``, ``allowed_domains``. Every line is validated before anything is written; a bad line
is reported as ``FILE:LINE: column: reason``. Importing the same file again changes nothing; a
changed line rewrites its source. Each source is written as ``<sources_dir>/<name>.toml``, as
``govarchive sources add`` does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from archive.divisions import DivisionError, Registry
from spiders.sources import BUILTIN_DIR, SourceDefinition, validation_problem, write_source_file

REQUIRED = ("name", "title", "division_code", "level", "start_url")
OPTIONAL = ("match", "render", "schedule", "allowed_domains")
_COLUMN_OF = {"start_urls": "start_url", "allowed_domains": "allowed_domains"}
_LIST_SPLIT = re.compile(r"[\s;,|]+")
_URL_SPLIT = re.compile(r"[\s;|]+")  # not on commas: query strings may hold them


class ImportError_(ValueError):  # noqa: N801 — "ImportError" is a builtin
    """The file cannot be imported; the message lists every bad line, one per line."""


@dataclass
class ImportPlan:
    """What importing a file would do."""

    added: list[SourceDefinition] = field(default_factory=list)
    updated: list[SourceDefinition] = field(default_factory=list)
    unchanged: list[SourceDefinition] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "added": [s.name for s in self.added],
            "updated": [s.name for s in self.updated],
            "unchanged": [s.name for s in self.unchanged],
            "counts": {"added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged)},
        }


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")  # CSV saved by a Chinese Excel
        except UnicodeDecodeError:
            raise ImportError_(f"{path}:1: file: neither UTF-8 nor GB18030 text") from None


def _definition(row: Mapping[str, str], registry: Registry) -> SourceDefinition:
    """One line as a definition; ValueError("column: reason") when it is not one."""
    code = row["division_code"].strip()
    if not code:
        raise ValueError("division_code: required")
    try:
        division = registry.lookup(code)
    except DivisionError as exc:
        raise ValueError(f"division_code: {exc}") from None
    level = row["level"].strip()
    if level in ("province", "city", "county") and division.level != level:
        raise ValueError(f"level: {level}, but {division.code} {division.name} is a {division.level}")
    values: dict[str, Any] = {
        "name": row["name"].strip(),
        "title": row["title"].strip() or f"{division.name}人民政府",
        "region": registry.full_name(division.code),
        "level": level,
        "division_code": division.code,
        "start_urls": [u for u in _URL_SPLIT.split(row["start_url"].strip()) if u],
    }
    if not values["start_urls"]:
        raise ValueError("start_url: required")
    for column in OPTIONAL:
        value = (row.get(column) or "").strip()
        if value:
            values[column] = value
    if "allowed_domains" in values:  # extra domains, as `sources add --allowed-domain`: the start hosts stay
        hosts = [urlsplit(u).hostname or "" for u in values["start_urls"]]
        values["allowed_domains"] = list(dict.fromkeys(
            [h for h in hosts if h] + [d for d in _LIST_SPLIT.split(values["allowed_domains"]) if d]))
    try:
        return SourceDefinition.model_validate(values)
    except ValidationError as exc:
        key, message, kind = validation_problem(exc, "name")
        if kind == "literal_error" and key == "level":
            message = "must be province, city, county or department"
        raise ValueError(f"{_COLUMN_OF.get(key, key)}: {message}") from None


def read_source_csv(path: Path, registry: Registry) -> list[SourceDefinition]:
    """Every line of ``path`` as a definition; ImportError_ naming each bad line when any is bad."""
    try:
        text = _decode(path)
    except OSError as exc:
        raise ImportError_(f"{path}:1: file: cannot read: {exc.strerror or exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[str] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        what = f"missing column {missing[0]!r}" if missing else f"unknown column {unknown[0]!r}"
        raise ImportError_(f"{path}:1: header: {what} (columns: {', '.join(REQUIRED + OPTIONAL)})")
    reader.fieldnames = header
    out: list[SourceDefinition] = []
    seen: dict[str, int] = {}
    start = reader.line_num
    for row in reader:
        line, start = start + 1, reader.line_num
        if None in row:
            problems.append(f"{path}:{line}: row: {len(header) + len(row[None])} fields, the header has {len(header)}")
            continue
        clean = {k: v or "" for k, v in row.items()}
        if not any(v.strip() for v in clean.values()):
            continue
        try:
            definition = _definition(clean, registry)
        except ValueError as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        if definition.name in seen:
            problems.append(f"{path}:{line}: name: {definition.name!r} is also on line {seen[definition.name]}")
            continue
        seen[definition.name] = line
        out.append(definition)
    if problems:
        raise ImportError_("\n".join(problems))
    if not out:
        raise ImportError_(f"{path}:1: file: no sources in it")
    return out


def plan_import(
    definitions: list[SourceDefinition], existing: Mapping[str, tuple[SourceDefinition, Path]], folder: Path
) -> ImportPlan:
    """Sort ``definitions`` into added / updated / unchanged against the loaded sources.

    A source the user keeps in a file of their own (several sources in one file, another folder)
    is not rewritten behind their back: ImportError_ names it.
    """
    plan = ImportPlan()
    foreign: list[str] = []
    for definition in definitions:
        known = existing.get(definition.name)
        if known is None or known[1].parent == BUILTIN_DIR:
            plan.added.append(definition)
        elif known[0] == definition:
            plan.unchanged.append(definition)
        elif known[1].resolve() != (folder / f"{definition.name}.toml").resolve():
            foreign.append(f"{known[1]}: name: source {definition.name!r} is defined here; change it there")
        else:
            plan.updated.append(definition)
    if foreign:
        raise ImportError_("\n".join(foreign))
    return plan


def apply_import(plan: ImportPlan, folder: Path) -> None:
    """Write the added and updated sources; on a failed write, put back what was there."""
    written: list[tuple[Path, bytes | None]] = []
    try:
        for definition in plan.added + plan.updated:
            target = folder / f"{definition.name}.toml"
            written.append((target, target.read_bytes() if target.is_file() else None))
            write_source_file(definition, folder)
    except OSError:
        for target, previous in written:
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(previous)
        raise
