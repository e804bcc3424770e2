"""``open_archive``: the Archive over a catalog URL and an object store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive.recorder.front import Archive

if TYPE_CHECKING:
    from archive.storage import StoreOptions


def open_archive(catalog_url: str, store: StoreOptions, *, removal_checks: int = 3, migrate: bool = True) -> Archive:
    """The Archive over the catalog at ``catalog_url`` and the object store ``store`` names; the
    catalog is first migrated to the current schema unless ``migrate`` is False (a second process
    of a crawl whose first process did that already)."""
    from archive.catalog.database import create_catalog_engine, init_catalog

    engine = create_catalog_engine(catalog_url)
    if migrate:
        init_catalog(engine)
    return Archive(engine, store.open(), removal_checks=removal_checks)
