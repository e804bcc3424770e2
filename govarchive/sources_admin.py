"""Changing the home's sources: add, edit, remove, enable, disable — one code path for the CLI
and the web app, so both check the same things and say the same words.

Every function raises ``SourceChangeError`` with one line; nothing is left half-written (a file
that would make the set of sources unloadable is rolled back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from spiders.sources import (
    BUILTIN_DIR,
    SourceDefinition,
    SourceError,
    SourceSwitches,
    load_sources_with_paths,
    parse_source_file,
    read_switches,
    source_dirs,
    switch_sources,
    validation_problem,
    write_source_file,
)

if TYPE_CHECKING:
    from govarchive.config import Settings

RENDER_MODES = ("never", "auto", "always")
# How the command line names each field in an error; the web app passes its own labels.
OPTION_NAMES = {"start_urls": "--start-url", "allowed_domains": "--allowed-domain", "match": "--match",
                "render": "--render", "schedule": "--schedule", "name": "NAME", "level": "--level",
                "region": "--region", "title": "--title", "division_code": "--division"}


class SourceChangeError(ValueError):
    """A change to the sources that cannot be made as asked; one line."""


@dataclass(frozen=True, slots=True)
class SavedSource:
    definition: SourceDefinition
    path: Path
    replaced_builtin: bool


def loaded(settings: Settings) -> dict[str, tuple[SourceDefinition, Path]]:
    """Every usable source with its file; an unusable file elsewhere never blocks a change here."""
    return load_sources_with_paths(source_dirs(settings.sources_dir, settings.sources_dirs), problems=[])


def is_builtin(path: Path) -> bool:
    return path.parent == BUILTIN_DIR


def source_values(
    name: str,
    start_urls: Sequence[str],
    *,
    title: str = "",
    region: str = "",
    level: str = "",
    match: str | None = None,
    render: str = "auto",
    schedule: str | None = None,
    allowed_domains: Sequence[str] = (),
) -> dict[str, Any]:
    """The fields of a definition from what a user typed (blank means the default)."""
    urls = [u.strip() for u in start_urls if u.strip()]
    values: dict[str, Any] = {"name": name.strip(), "title": title.strip(), "region": region.strip(),
                              "level": level.strip(), "start_urls": urls, "render": render or "auto",
                              "schedule": (schedule or "").strip() or None}
    if allowed_domains:
        hosts = [urlsplit(u).hostname or "" for u in urls]
        values["allowed_domains"] = list(dict.fromkeys([*hosts, *allowed_domains]))
    if match is not None and match.strip():
        values["match"] = match.strip()
    return values


def edited(current: SourceDefinition, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``current``'s fields with a form's ``changes`` over them: what the form does not show
    (allowed domains, politeness, notes …) is kept; a blank title pattern means the default again."""
    values = {key: value for key, value in current.model_dump(mode="json").items()
              if key in current.model_fields_set}
    values.update(changes)
    if "match" not in changes:
        values.pop("match", None)
    return values


def validate(values: Mapping[str, Any], names: Mapping[str, str] = OPTION_NAMES) -> SourceDefinition:
    """The definition, or SourceChangeError naming the field (as ``names`` calls it) and the reason."""
    if values.get("render", "auto") not in RENDER_MODES:
        raise SourceChangeError(f"{names.get('render', 'render')} must be never, auto or always, "
                                f"not {values.get('render')!r}")
    try:
        return SourceDefinition.model_validate(dict(values))
    except ValidationError as exc:
        key, message, kind = validation_problem(exc)
        if kind == "too_short" and key == "start_urls":
            message = "at least one http(s) URL is needed"
        raise SourceChangeError(f"{names.get(key, key)}: {message}") from None


def save(settings: Settings, source: SourceDefinition, *, replace: bool) -> SavedSource:
    """Write ``source`` into the home's sources folder; an own file of that name needs ``replace``."""
    existing = loaded(settings)
    current = existing.get(source.name)
    if current is not None and not is_builtin(current[1]) and not replace:
        raise SourceChangeError(
            f"source {source.name!r} already exists in {current[1]} (use --replace to overwrite it)")
    target = settings.sources_dir / f"{source.name}.toml"
    previous = target.read_bytes() if target.is_file() else None
    path = write_source_file(source, settings.sources_dir)
    problems: list[str] = []
    load_sources_with_paths(source_dirs(settings.sources_dir, settings.sources_dirs), problems=problems)
    own = [p for p in problems if p.startswith(f"{path}:")]
    if own:  # the new file clashes with the others (e.g. a duplicate name): put back what was there
        if previous is None:
            path.unlink()
        else:
            path.write_bytes(previous)
        raise SourceChangeError(own[0])
    return SavedSource(source, path, current is not None and is_builtin(current[1]))


def _known(settings: Settings, name: str) -> tuple[SourceDefinition, Path]:
    existing = loaded(settings)
    if name not in existing:
        raise SourceChangeError(f"unknown source {name!r} (see `govarchive sources list`)")
    return existing[name]


def remove(settings: Settings, name: str) -> Path:
    """Delete the home's own definition file of ``name`` (the archived reports stay)."""
    _, path = _known(settings, name)
    if is_builtin(path):
        raise SourceChangeError(f"source {name!r} is built in and cannot be removed: disable it instead")
    if path.parent.resolve() != settings.sources_dir.resolve():
        raise SourceChangeError(f"source {name!r} is defined in {path}, outside this home: edit that file")
    if len(parse_source_file(path)) > 1:
        raise SourceChangeError(f"{path} defines several sources: edit that file")
    path.unlink()
    return path


def switches(settings: Settings) -> SourceSwitches:
    """Which sources run unasked (``<home>/source-state.toml``, built-in ones off by default)."""
    try:
        return read_switches(settings.source_state_file, builtin_default=settings.builtin_sources)
    except SourceError as exc:
        raise SourceChangeError(str(exc)) from None


def switch(settings: Settings, name: str, enabled: bool) -> bool:
    """Enable or disable a source, as ``govarchive sources enable|disable NAME``; True when that
    changed anything."""
    _, path = _known(settings, name)
    if switches(settings).is_enabled(name, builtin=is_builtin(path)) == enabled:
        return False
    try:
        switch_sources(settings.source_state_file, [name], enabled=enabled)
    except (SourceError, OSError) as exc:
        raise SourceChangeError(f"cannot switch sources: {exc}") from None
    return True
