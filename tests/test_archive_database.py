"""Catalog engines and migrations (archive/catalog/database.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import SQLModel, select

from archive.catalog.database import (
    CatalogUnavailableError,
    create_catalog_engine,
    current_revision,
    head_revision,
    init_catalog,
    session,
)
from archive.catalog.models import Source
from archive.errors import ArchiveError


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_catalog_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_migrations_build_exactly_the_models(any_catalog_url: str) -> None:
    engine = create_catalog_engine(any_catalog_url)
    init_catalog(engine, revision=head_revision())  # Alembic from nothing ("head" takes the short way)
    init_catalog(engine)  # idempotent
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == [], "models.py changed without a migration"
    engine.dispose()


def _schema(engine: Engine) -> dict[str, object]:
    """Each table's columns, key, indexes, unique constraints and foreign keys, as the database has
    them (columns by name: a migration adds its columns at the end, the models list them by topic)."""
    found = inspect(engine)
    return {
        table: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            found.get_pk_constraint(table)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
            sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                   for f in found.get_foreign_keys(table)),
        )
        for table in sorted(found.get_table_names())
    }


def test_an_empty_catalog_gets_the_migrated_schema_at_once(any_catalog_url: str) -> None:
    engine = create_catalog_engine(any_catalog_url)
    init_catalog(engine)  # an empty database: tables made from the models, stamped current
    assert current_revision(engine) == head_revision()
    short_way = _schema(engine)
    assert "alembic_version" in short_way and len(short_way) == len(SQLModel.metadata.tables) + 1
    init_catalog(engine, revision=head_revision())  # Alembic agrees there is nothing to do
    assert _schema(engine) == short_way

    with engine.begin() as connection:
        SQLModel.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE alembic_version"))
    init_catalog(engine, revision=head_revision())  # every migration, from nothing
    assert _schema(engine) == short_way
    engine.dispose()


def test_an_older_catalog_is_migrated_with_its_data(any_catalog_url: str) -> None:
    engine = create_catalog_engine(any_catalog_url)
    init_catalog(engine, revision="0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (name, title, region, level, definition_json, health, consecutive_failures,"
                " created_at) VALUES ('mile', '弥勒市', '', '', '{}', 'ok', 0, '2024-01-01 00:00:00+00')"
            )
        )
    assert "dedup_key" not in {c["name"] for c in inspect(engine).get_columns("captures")}

    init_catalog(engine)

    assert current_revision(engine) == head_revision()
    assert "dedup_key" in {c["name"] for c in inspect(engine).get_columns("captures")}
    with session(engine) as db:
        assert [s.title for s in db.exec(select(Source))] == ["弥勒市"]
    engine.dispose()


def test_a_catalog_made_by_create_all_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    SQLModel.metadata.create_all(create_engine(url))
    engine = create_catalog_engine(url)
    init_catalog(engine)
    assert current_revision(engine) == head_revision()


def test_session_commits_or_rolls_back(tmp_path: Path) -> None:
    engine = create_catalog_engine(f"sqlite:///{tmp_path / 'c.db'}")
    init_catalog(engine)
    with session(engine) as db:
        db.add(Source(name="kept"))
    with pytest.raises(RuntimeError), session(engine) as db:
        db.add(Source(name="dropped"))
        db.flush()
        raise RuntimeError("boom")
    with session(engine) as db:
        assert [s.name for s in db.exec(select(Source))] == ["kept"]


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    path.write_bytes(b"this is not SQLite at all" * 100)
    with pytest.raises(CatalogUnavailableError, match="catalog .* cannot be opened: file is not a database"):
        init_catalog(create_catalog_engine(f"sqlite:///{path}"))


def test_a_missing_folder_or_unknown_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        create_catalog_engine(f"sqlite:///{tmp_path / 'absent' / 'catalog.db'}")
    with pytest.raises(ArchiveError, match="unsupported database 'mysql'"):
        create_catalog_engine("mysql://u@localhost/x")
    with pytest.raises(ArchiveError, match="not a database URL"):
        create_catalog_engine("::not a url::")


def test_an_unreachable_postgresql_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = create_catalog_engine(f"postgresql://nobody:secret@127.0.0.1:{port}/catalog")
    with pytest.raises(CatalogUnavailableError) as error:
        init_catalog(engine)
    assert "secret" not in str(error.value) and "cannot be opened" in str(error.value)


def test_the_head_revision_named_in_code_is_alembics() -> None:
    """Opening a current catalog skips Alembic by comparing with HEAD_REVISION: a new migration
    must update it (or catalogs would stay unmigrated)."""
    from archive.catalog.database import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_a_current_catalog_opens_without_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    init_catalog(create_catalog_engine(url))
    probe = ("import sys; from archive.catalog.database import create_catalog_engine, init_catalog; "
             f"e = create_catalog_engine({url!r}); init_catalog(e); e.dispose(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "False"
