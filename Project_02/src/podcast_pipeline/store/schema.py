"""The store's tables (SQLAlchemy Core) and the upgrades from older versions.

A fresh store is created from the table definitions below; a store at an older
version is brought up to date by the ordered :data:`UPGRADES`, each a list of DDL
statements valid on SQLite and PostgreSQL. Both run inside one locked
transaction (see :mod:`podcast_pipeline.store.migrate`). Times are ISO 8601 UTC
text (``2024-01-02T03:04:05Z``), which sorts and compares correctly as text and
reads the same on both engines (and in stores created by version 1 and 2).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_checked_at", Text),
    Column("last_changed_at", Text),
    # Version 4: where the feed is read now, after a permanent redirect or an
    # <itunes:new-feed-url> (NULL: at its own URL, which stays its identity).
    Column("current_url", Text),
    Column("moved_at", Text),
    Column("moved_because", Text),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_url", Text, nullable=False),
    Column("guid", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("link", Text),
    Column("description", Text, nullable=False, server_default=""),
    Column("published_at", Text),
    Column("audio_url", Text),
    Column("audio_type", Text),
    Column("audio_declared_bytes", Integer),
    Column("duration", Text),
    Column("first_seen_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    # pending | downloaded | failed (retried after next_attempt_at) | refused
    # (permanent) | gave-up (too many attempts) | no-audio
    Column("download_status", Text, nullable=False),
    Column("download_attempts", Integer, nullable=False, server_default="0"),
    Column("file_path", Text),
    Column("file_bytes", Integer),
    Column("sha256", Text),
    Column("downloaded_at", Text),
    Column("download_error", Text),
    Column("transcript", Text),
    Column("transcript_engine", Text),
    Column("transcribed_at", Text),
    Column("transcript_error", Text),
    # Version 3: claims, retry schedule.
    Column("next_attempt_at", Text),
    Column("claim_owner", Text),
    Column("claim_expires_at", Text),
    Column("transcript_attempts", Integer, nullable=False, server_default="0"),
    Column("transcript_next_attempt_at", Text),
    # Version 4: the publisher's <podcast:transcript>, and where the stored
    # transcript came from (that URL, or NULL for our speech-to-text).
    Column("transcript_url", Text),
    Column("transcript_type", Text),
    Column("transcript_source", Text),
    # Version 5: which run recorded the last attempt (an Airflow retry of the
    # same run does not count another), and since when the step keeps failing.
    Column("download_attempt_owner", Text),
    Column("download_failing_since", Text),
    Column("transcript_attempt_owner", Text),
    Column("transcript_failing_since", Text),
    UniqueConstraint("feed_url", "guid"),
    Index("episodes_by_status", "download_status", "published_at"),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

SCHEMA_VERSION = 5

# UPGRADES[n] brings a store from version n to n + 1 (versions 1 and 2 were
# SQLite-only, tracked with PRAGMA user_version). Append only: a released
# upgrade is never edited.
UPGRADES: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE episodes ADD COLUMN transcript TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_engine TEXT",
        "ALTER TABLE episodes ADD COLUMN transcribed_at TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_error TEXT",
    ),
    2: (
        "ALTER TABLE episodes ADD COLUMN next_attempt_at TEXT",
        "ALTER TABLE episodes ADD COLUMN claim_owner TEXT",
        "ALTER TABLE episodes ADD COLUMN claim_expires_at TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_attempts INTEGER NOT NULL "
        "DEFAULT 0",
        "ALTER TABLE episodes ADD COLUMN transcript_next_attempt_at TEXT",
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    ),
    3: (
        "ALTER TABLE feeds ADD COLUMN current_url TEXT",
        "ALTER TABLE feeds ADD COLUMN moved_at TEXT",
        "ALTER TABLE feeds ADD COLUMN moved_because TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_url TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_type TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_source TEXT",
    ),
    4: (
        "ALTER TABLE episodes ADD COLUMN download_attempt_owner TEXT",
        "ALTER TABLE episodes ADD COLUMN download_failing_since TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_attempt_owner TEXT",
        "ALTER TABLE episodes ADD COLUMN transcript_failing_since TEXT",
    ),
}
