"""Catalog engine creation, schema migration and sessions.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every connection;
PostgreSQL is reached through psycopg 3 with the session time zone pinned to UTC, so naive
timestamps mean UTC on both back-ends. The schema is owned by the Alembic migrations shipped in
``archive/catalog/migrations``; no ``alembic.ini`` is needed at runtime. An empty database gets
the models' tables stamped with the newest revision, which is what the migrations build.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, pool, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, SQLModel

from archive.catalog import feed, models  # noqa: F401  (the tables on SQLModel.metadata; feed-id ordering)
from archive.errors import ArchiveError
from archive.urlmask import mask_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


class CatalogUnavailableError(ArchiveError):
    """The catalog database cannot be opened, read or migrated."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"catalog {url!r} cannot be opened: {reason}")
        self.url = url
        self.reason = reason


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def is_memory_catalog(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite catalog, which only the process that made it can see."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    return parsed.get_backend_name() == "sqlite" and _sqlite_in_memory(parsed)


def _sqlite_in_memory(parsed: URL) -> bool:
    database = parsed.database or ""
    return (database in ("", ":memory:") or database.startswith("file::memory:")
            or parsed.query.get("mode") == "memory")


def create_catalog_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the catalog at ``url`` (``sqlite:///PATH``, ``postgresql+psycopg://…``).

    ``postgresql://`` is read as psycopg 3. Raises CatalogUnavailableError for a URL that names
    no usable database driver or a SQLite file whose folder does not exist.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # SQLAlchemy's message repeats the URL unmasked
        raise CatalogUnavailableError(mask_url(url), "not a database URL") from None
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        database = parsed.database or ""
        if _sqlite_in_memory(parsed):
            kwargs["poolclass"] = pool.StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise CatalogUnavailableError(mask_url(url), f"folder {str(folder)!r} does not exist")
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    elif backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["connect_args"] = {"options": "-c timezone=UTC", "connect_timeout": 10}
        kwargs["pool_pre_ping"] = True
    else:
        raise CatalogUnavailableError(
            mask_url(url), f"unsupported database {backend!r} (SQLite or PostgreSQL)"
        )
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise CatalogUnavailableError(mask_url(url), str(exc)) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    """A programmatic Alembic configuration for the shipped migrations."""
    # Alembic is imported where migrations run, not by every process that opens a catalog
    # (a crawl's writer process opens an already-migrated one)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # one location, split on os.pathsep (a path with a space must not be split)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


# The newest migration's revision, also named here so that opening a current catalog needs no
# Alembic (its import and script scan cost every crawl ~0.15 s); tests/test_archive_database.py
# checks it against Alembic's own answer.
HEAD_REVISION = "0006"


def head_revision() -> str:
    """The newest schema revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the catalog (None when it has never been migrated)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def init_catalog(engine: Engine, *, revision: str = "head") -> None:
    """Create or migrate the catalog's schema to ``revision`` (default: the newest).

    A catalog built by ``SQLModel.metadata.create_all`` (tests, older tools) with every table in
    place but no migration history is stamped as current rather than rebuilt. Raises
    CatalogUnavailableError when the database cannot be opened or migrated.
    """
    url = mask_url(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            known = set(SQLModel.metadata.tables)
            has_history = "alembic_version" in present
            if has_history and revision in ("head", HEAD_REVISION) and _versions(connection) == [HEAD_REVISION]:
                return  # already current
        if not present and revision == "head":
            _create_current(engine)  # an empty database: the newest schema at once
            return
        from alembic import command

        config = alembic_config(engine)
        if not has_history and known & present:
            if known <= present and revision == "head":
                command.stamp(config, "head")
            else:
                missing = ", ".join(sorted(known - present))
                raise CatalogUnavailableError(url, f"unversioned catalog lacks tables: {missing}")
        command.upgrade(config, revision)
    except (DBAPIError, sqlite3.Error) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CatalogUnavailableError(url, reason + _disk_full_hint(engine)) from None
    except OSError as exc:
        raise CatalogUnavailableError(url, str(exc)) from None


def _create_current(engine: Engine) -> None:
    """The models' tables and Alembic's record that they are at ``HEAD_REVISION``, in one transaction.

    What ``alembic upgrade head`` makes of an empty database (a test compares the two), without
    importing Alembic and replaying every migration: ~0.2 s of each new home's first crawl.
    """
    with engine.begin() as connection:
        SQLModel.metadata.create_all(connection)
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": HEAD_REVISION})


def _versions(connection: Connection) -> list[str]:
    """The revisions Alembic's version table names."""
    return [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]


def _disk_full_hint(engine: Engine) -> str:
    """``"; the disk is full"`` when a SQLite catalog's filesystem has no room left (SQLite only says
    "disk I/O error" when it cannot even create its WAL index there)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        return ""
    try:
        free = shutil.disk_usage(Path(database).expanduser().resolve().parent).free
    except OSError:
        return ""
    return f"; the disk is full ({free} bytes free)" if free < 1024 * 1024 else ""


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
