"""``open_archive``: the Archive over a catalog URL and an object-store URL."""

from __future__ import annotations

from archive.recorder.front import Archive


def open_archive(
    catalog_url: str,
    store_url: str,
    *,
    removal_checks: int = 3,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    compress: bool = True,
) -> Archive:
    """The Archive over the catalog at ``catalog_url`` (migrated to the current schema) and the
    object store at ``store_url``."""
    from archive.catalog.database import create_catalog_engine, init_catalog
    from archive.storage import open_store

    engine = create_catalog_engine(catalog_url)
    init_catalog(engine)
    store = open_store(
        store_url,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        compress=compress,
    )
    return Archive(engine, store, removal_checks=removal_checks)
