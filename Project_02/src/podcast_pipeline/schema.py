"""The SQLite schema as an ordered list of migrations (``PRAGMA user_version``)."""

from __future__ import annotations

import logging
import sqlite3

from podcast_pipeline.errors import DatabaseError

logger = logging.getLogger(__name__)

# Migration N (1-based) brings a database from user_version N-1 to N. Append only:
# a released migration is never edited, so existing databases migrate in place.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            last_checked_at TEXT,
            last_changed_at TEXT
        )""",
        """CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            feed_url TEXT NOT NULL,
            guid TEXT NOT NULL,
            title TEXT NOT NULL,
            link TEXT,
            description TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            audio_url TEXT,
            audio_type TEXT,
            audio_declared_bytes INTEGER,
            duration TEXT,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            download_status TEXT NOT NULL,
            download_attempts INTEGER NOT NULL DEFAULT 0,
            file_path TEXT,
            file_bytes INTEGER,
            sha256 TEXT,
            downloaded_at TEXT,
            download_error TEXT,
            UNIQUE (feed_url, guid)
        )""",
        "CREATE INDEX episodes_by_status ON episodes (download_status, published_at)",
    ),
    (
        "ALTER TABLE episodes ADD COLUMN transcript TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_engine TEXT",
        "ALTER TABLE episodes ADD COLUMN transcribed_at TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_error TEXT",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    """Return the database's ``PRAGMA user_version``."""
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations, each in its own transaction.

    Args:
        connection: An autocommit connection (``isolation_level=None``).
        target: The version to reach (tests use it to build old databases).

    Returns:
        The version the database is at afterwards.

    Raises:
        DatabaseError: The database is newer than this program knows.
    """
    current = schema_version(connection)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"database schema version {current} is newer than this program "
            f"(knows up to {SCHEMA_VERSION}); upgrade podcast-pipeline"
        )
    for version in range(current + 1, target + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version:d}")
        except sqlite3.Error:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        logger.info("Migrated database schema to version %d", version)
    return max(current, target)
