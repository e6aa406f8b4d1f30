"""Open the store: a SQLite file path or a SQLAlchemy URL, migrated under a lock."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from podcast_pipeline.errors import DatabaseError, InputError
from podcast_pipeline.store.schema import (
    SCHEMA_VERSION,
    UPGRADES,
    metadata,
    schema_version,
)

logger = logging.getLogger(__name__)

SQLITE_BUSY_SECONDS = 30
# pg_advisory_xact_lock key for migrations: "podc" in ASCII.
_MIGRATION_LOCK = 0x706F6463


def store_url(target: str | Path) -> URL:
    """The SQLAlchemy URL of a store given as a file path or a URL.

    ``postgresql://`` is read as ``postgresql+psycopg://`` (psycopg 3, the
    driver this package installs).

    Raises:
        InputError: An unparsable URL or an engine other than SQLite/PostgreSQL.
    """
    value = str(target)
    if "://" not in value:
        return URL.create("sqlite", database=str(Path(value).expanduser().absolute()))
    try:
        url = make_url(value)
    except (ArgumentError, ValueError) as error:
        raise InputError(f"store URL cannot be parsed: {value!r}") from error
    backend = url.get_backend_name()
    if backend == "postgresql" and url.get_driver_name() in {"", "psycopg2"}:
        url = url.set(drivername="postgresql+psycopg")
    if backend not in {"sqlite", "postgresql"}:
        raise InputError(
            f"store URL must be a SQLite path or postgresql+psycopg://...: {value!r}"
        )
    return url


def reason(error: SQLAlchemyError) -> str:
    """The driver's message, first line only (SQLAlchemy appends SQL and params)."""
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def describe(url: URL) -> str:
    """The URL for messages, password hidden."""
    return url.render_as_string(hide_password=True)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": 10}
        )
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    # pysqlite's own transaction handling defers BEGIN; take the write lock at
    # the start of every transaction instead, so read-then-write is race-free.
    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _current_version(connection: Connection) -> int:
    if inspect(connection).has_table("schema_version"):
        return int(connection.scalar(select(schema_version.c.version)) or 0)
    if connection.dialect.name == "sqlite":  # versions 1-2: PRAGMA user_version
        return int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    return 0


def migrate(connection: Connection) -> int:
    """Bring the store to :data:`SCHEMA_VERSION` inside the caller's transaction.

    The caller's transaction must hold the store's migration lock (see
    :func:`open_store`): the version is read after the lock is taken, so any
    number of processes may open a fresh store at once.

    Returns:
        The version the store was at before.

    Raises:
        DatabaseError: The store is newer than this program.
    """
    current = _current_version(connection)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"store schema version {current} is newer than this program "
            f"(knows up to {SCHEMA_VERSION}); upgrade podcast-pipeline"
        )
    if current == SCHEMA_VERSION:
        return current
    if current == 0:
        metadata.create_all(connection)
    else:
        for version in range(current, SCHEMA_VERSION):
            for statement in UPGRADES[version]:
                connection.exec_driver_sql(statement)
    connection.execute(schema_version.delete())
    connection.execute(schema_version.insert().values(version=SCHEMA_VERSION))
    if connection.dialect.name == "sqlite":  # older programs read this one
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
    logger.info("Migrated the store from version %d to %d", current, SCHEMA_VERSION)
    return current


def _lock_and_migrate(engine: Engine, *, create: bool) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
            )
        if not create and _current_version(connection) == 0:
            raise InputError(
                f"store {describe(engine.url)} holds no episodes yet "
                "(run `podcast-pipeline run` first)"
            )
        migrate(connection)


def open_store(target: str | Path, *, create: bool = True) -> Engine:
    """Open a store and bring its schema up to date.

    Args:
        target: A SQLite file path, or a SQLAlchemy URL (``sqlite:///...``,
            ``postgresql+psycopg://user:password@host:5432/db``).
        create: Create a missing store; False refuses one that does not exist.

    Returns:
        A SQLAlchemy engine (thread-safe; dispose it when done).

    Raises:
        InputError: A bad URL, or no store while ``create`` is False.
        DatabaseError: The store cannot be reached, created or migrated.
    """
    url = store_url(target)
    path = _sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is not None and not create and not path.is_file():
        raise InputError(f"no database at {path} (run `podcast-pipeline run` first)")
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = _make_engine(url)
    except OSError as error:
        raise DatabaseError(f"cannot open store {describe(url)}: {error}") from error
    try:
        _lock_and_migrate(engine, create=create)
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(
            f"cannot open store {describe(url)}: {reason(error)}"
        ) from error
    except BaseException:
        engine.dispose()
        raise
    return engine
