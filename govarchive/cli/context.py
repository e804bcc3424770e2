"""Per-invocation context: the settings, read once, and the archive they describe (opened with
the archive's failures turned into one line)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from archive.errors import ArchiveError
from govarchive.config import ConfigError, Settings, load_settings

from .output import err_console, fail

if TYPE_CHECKING:
    from pathlib import Path

    from archive.recorder import Archive
    from spiders.sources import SourceDefinition


def get_settings(ctx: typer.Context) -> Settings:
    """The effective settings for this command (``--home`` or ``GOVARCHIVE_HOME``)."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    settings = obj.get("settings")
    if settings is None:
        try:
            settings = load_settings(obj.get("home"))
        except ConfigError as exc:
            fail(str(exc))
        obj["settings"] = settings
        root.obj = obj
    return settings


def open_home_archive(settings: Settings, *, create: bool = True) -> Archive:
    """The catalog and object store named by ``settings``, migrated to the current schema."""
    from archive.recorder import open_archive
    from govarchive.config import ensure_home_writable

    if create:
        try:
            ensure_home_writable(settings)
        except ConfigError as exc:
            fail(str(exc))
    return open_archive(settings.catalog_url, settings.store_options(), removal_checks=settings.crawl.removal_checks)


@contextmanager
def archive_errors() -> Iterator[None]:
    """Turn the archive's own failures into one clear line and exit 1."""
    try:
        yield
    except ArchiveError as exc:
        fail(str(exc))


def open_for_command(ctx: typer.Context) -> Archive:
    """The archive of the current home, migrated; failures become one line."""
    settings = get_settings(ctx)
    with archive_errors():
        try:
            return open_home_archive(settings, create=False)
        except ValueError as exc:
            fail(str(exc))


def load_source_files(settings: Settings) -> dict[str, tuple[SourceDefinition, Path]]:
    """Every usable source definition with its file; each unusable file is skipped with one line."""
    from spiders.sources import load_sources_with_paths, source_dirs

    problems: list[str] = []
    found = load_sources_with_paths(source_dirs(settings.sources_dir, settings.sources_dirs), problems=problems)
    for problem in problems:
        err_console.print(f"warning: {problem} (file skipped)", markup=False)
    return found
