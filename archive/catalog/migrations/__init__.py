"""Alembic migrations of the catalog (run by ``archive.catalog.database.init_catalog``)."""
