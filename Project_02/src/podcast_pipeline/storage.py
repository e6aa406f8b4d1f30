"""SQLite storage: open and migrate, upsert episodes per feed, UPDATE results."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from podcast_pipeline.errors import DatabaseError
from podcast_pipeline.models import Episode, FeedValidators
from podcast_pipeline.schema import migrate

logger = logging.getLogger(__name__)

# Columns a feed refresh may change. Download and transcript columns are never
# in this list: an upsert must not wipe what later steps recorded.
_FEED_COLUMNS = (
    "title",
    "link",
    "description",
    "published_at",
    "audio_url",
    "audio_type",
    "audio_declared_bytes",
    "duration",
)


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC with a ``Z`` suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StoreResult:
    """How many episodes of one feed were new and how many were refreshed."""

    feed_url: str
    new: int
    updated: int


@dataclass(frozen=True)
class PendingDownload:
    """An episode whose audio is still to be downloaded."""

    episode_id: int
    feed_url: str
    guid: str
    title: str
    audio_url: str
    published_at: str | None
    declared_bytes: int | None


def open_database(db_path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database.

    Args:
        db_path: The SQLite file; its directory is created if missing.

    Returns:
        An autocommit connection; use :func:`transaction` for atomic groups.

    Raises:
        DatabaseError: The file cannot be opened or migrated.
    """
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 30000")
        migrate(connection)
    except (OSError, sqlite3.Error) as error:
        raise DatabaseError(f"cannot open database {db_path}: {error}") from error
    return connection


@contextmanager
def database(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Open and migrate the database for a block, closing it afterwards."""
    connection = open_database(db_path)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block in one ``BEGIN IMMEDIATE`` ... ``COMMIT``; roll back on error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def get_validators(connection: sqlite3.Connection, feed_url: str) -> FeedValidators:
    """Return the ETag / Last-Modified stored for a feed (empty if never fetched)."""
    row = connection.execute(
        "SELECT etag, last_modified FROM feeds WHERE url = ?", (feed_url,)
    ).fetchone()
    if row is None:
        return FeedValidators()
    return FeedValidators(etag=row["etag"], last_modified=row["last_modified"])


def _save_feed(
    connection: sqlite3.Connection,
    feed_url: str,
    validators: FeedValidators | None,
    now: str,
) -> None:
    connection.execute(
        "INSERT INTO feeds (url, last_checked_at) VALUES (?, ?) "
        "ON CONFLICT (url) DO UPDATE SET last_checked_at = excluded.last_checked_at",
        (feed_url, now),
    )
    if validators is not None:
        connection.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, last_changed_at = ? "
            "WHERE url = ?",
            (validators.etag, validators.last_modified, now, feed_url),
        )


def mark_feed_unchanged(connection: sqlite3.Connection, feed_url: str) -> None:
    """Record that a feed was checked and answered 304 Not Modified."""
    _save_feed(connection, feed_url, None, utc_now())


def store_feed(
    connection: sqlite3.Connection,
    feed_url: str,
    episodes: Sequence[Episode],
    validators: FeedValidators,
) -> StoreResult:
    """Upsert a feed's episodes and its validators in one transaction.

    New episodes are inserted; known ones get their feed columns refreshed and
    keep their download and transcript columns. The validators are saved in
    the same transaction, so a 304 later never hides episodes not stored.

    Args:
        connection: An open database.
        feed_url: The feed the episodes belong to.
        episodes: Parsed episodes (distinct guids).
        validators: ETag / Last-Modified of the response they came from.

    Returns:
        Counts of new and refreshed episodes.

    Raises:
        DatabaseError: The write failed; nothing of this feed was changed.
    """
    now = utc_now()
    columns = ", ".join(_FEED_COLUMNS)
    placeholders = ", ".join("?" for _ in _FEED_COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in _FEED_COLUMNS)
    # Column names below are this module's constants, never user input.
    statement = (
        f"INSERT INTO episodes (feed_url, guid, {columns}, first_seen_at, updated_at, "  # noqa: S608
        f"download_status) VALUES (?, ?, {placeholders}, ?, ?, ?) "
        f"ON CONFLICT (feed_url, guid) DO UPDATE SET {updates}, "
        "updated_at = excluded.updated_at, "
        "download_status = CASE WHEN episodes.download_status = 'no-audio' "
        "AND excluded.audio_url IS NOT NULL THEN 'pending' "
        "ELSE episodes.download_status END"
    )
    try:
        with transaction(connection):
            known = {
                row[0]
                for row in connection.execute(
                    "SELECT guid FROM episodes WHERE feed_url = ?", (feed_url,)
                )
            }
            for episode in episodes:
                values: list[Any] = [getattr(episode, name) for name in _FEED_COLUMNS]
                status = "pending" if episode.audio_url else "no-audio"
                connection.execute(
                    statement, [feed_url, episode.guid, *values, now, now, status]
                )
            _save_feed(connection, feed_url, validators, now)
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot store episodes of {feed_url}: {error}") from error
    new = sum(1 for episode in episodes if episode.guid not in known)
    logger.info("Stored %s: %d new, %d refreshed", feed_url, new, len(episodes) - new)
    return StoreResult(feed_url=feed_url, new=new, updated=len(episodes) - new)


def pending_downloads(
    connection: sqlite3.Connection, limit: int
) -> list[PendingDownload]:
    """Return up to ``limit`` episodes still to download, newest first.

    Refused episodes (bad URL, too large, not audio) are not retried; failed
    ones are, on the next run.
    """
    rows = connection.execute(
        "SELECT id, feed_url, guid, title, audio_url, published_at, "
        "audio_declared_bytes FROM episodes "
        "WHERE audio_url IS NOT NULL AND download_status IN ('pending', 'failed') "
        "ORDER BY published_at DESC NULLS LAST, id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        PendingDownload(
            episode_id=row["id"],
            feed_url=row["feed_url"],
            guid=row["guid"],
            title=row["title"],
            audio_url=row["audio_url"],
            published_at=row["published_at"],
            declared_bytes=row["audio_declared_bytes"],
        )
        for row in rows
    ]


# Columns later steps may set; update_episode refuses anything else.
_UPDATABLE_COLUMNS = frozenset(
    {
        "download_status",
        "file_path",
        "file_bytes",
        "sha256",
        "downloaded_at",
        "download_error",
        "transcript",
        "transcript_engine",
        "transcribed_at",
        "transcript_error",
    }
)


def update_episode(
    connection: sqlite3.Connection,
    episode_id: int,
    *,
    count_attempt: bool = False,
    **columns: object,
) -> None:
    """``UPDATE`` the named columns of one episode, leaving every other column.

    Args:
        connection: An open database.
        episode_id: The episode's row id.
        count_attempt: Also add one to ``download_attempts``.
        **columns: Column names (download and transcript columns) and values.

    Raises:
        ValueError: A column that later steps may not set.
        DatabaseError: The write failed.
    """
    unknown = set(columns) - _UPDATABLE_COLUMNS
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = [f"{name} = ?" for name in columns]
    if count_attempt:
        assignments.append("download_attempts = download_attempts + 1")
    if not assignments:
        return
    # Column names come from the whitelist above, never from input.
    statement = f"UPDATE episodes SET {', '.join(assignments)} WHERE id = ?"  # noqa: S608
    try:
        with transaction(connection):
            connection.execute(statement, [*columns.values(), episode_id])
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot update episode {episode_id}: {error}") from error


def pending_transcriptions(connection: sqlite3.Connection) -> list[tuple[int, Path]]:
    """Downloaded episodes without a transcript or a transcription error."""
    rows = connection.execute(
        "SELECT id, file_path FROM episodes WHERE download_status = 'downloaded' "
        "AND transcript IS NULL AND transcript_error IS NULL "
        "ORDER BY published_at DESC NULLS LAST, id DESC"
    ).fetchall()
    return [(row["id"], Path(row["file_path"])) for row in rows]


def list_episodes(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return every stored episode as a dict, newest first."""
    rows = connection.execute(
        "SELECT * FROM episodes ORDER BY published_at DESC NULLS LAST, id DESC"
    ).fetchall()
    return [dict(row) for row in rows]
