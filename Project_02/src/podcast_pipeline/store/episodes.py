"""Feeds and episodes: upsert what a feed lists, read validators, list episodes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from podcast_pipeline import clock
from podcast_pipeline.errors import DatabaseError
from podcast_pipeline.models import Episode, FeedValidators
from podcast_pipeline.store.engine import reason
from podcast_pipeline.store.schema import episodes, feeds

logger = logging.getLogger(__name__)

# Columns a feed refresh may change. Download, transcript and claim columns are
# never in this list: an upsert must not wipe what later steps recorded.
FEED_COLUMNS = (
    "title",
    "link",
    "description",
    "published_at",
    "audio_url",
    "audio_type",
    "audio_declared_bytes",
    "duration",
    "transcript_url",
    "transcript_type",
)


def utc_text(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z`` suffix, to the second (the store's time format)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    """The current time in the store's format."""
    return utc_text(clock.now())


@dataclass(frozen=True)
class StoreResult:
    """How many episodes of one feed were new and how many were refreshed."""

    feed_url: str
    new: int
    updated: int


def get_validators(engine: Engine, feed_url: str) -> FeedValidators:
    """The ETag / Last-Modified stored for a feed (empty if never fetched)."""
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(feeds.c.etag, feeds.c.last_modified).where(
                    feeds.c.url == feed_url
                )
            ).first()
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot read feed {feed_url}: {reason(error)}") from error
    if row is None:
        return FeedValidators()
    return FeedValidators(etag=row.etag, last_modified=row.last_modified)


def current_feed_url(engine: Engine, feed_url: str) -> str:
    """Where a feed is read now: the URL it moved to, else its own."""
    try:
        with engine.connect() as connection:
            moved = connection.scalar(
                select(feeds.c.current_url).where(feeds.c.url == feed_url)
            )
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot read feed {feed_url}: {reason(error)}") from error
    return str(moved) if moved else feed_url


@dataclass(frozen=True)
class FeedMove:
    """A feed that moved: read at ``to_url`` from now on, ``because`` says why."""

    to_url: str
    because: str


def _insert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert


def _save_feed(
    connection: Connection,
    feed_url: str,
    validators: FeedValidators | None,
    now: str,
    move: FeedMove | None = None,
) -> None:
    values: dict[str, Any] = {"url": feed_url, "last_checked_at": now}
    if validators is not None:
        values |= {
            "etag": validators.etag,
            "last_modified": validators.last_modified,
            "last_changed_at": now,
        }
    if move is not None:
        values |= {
            "current_url": None if move.to_url == feed_url else move.to_url,
            "moved_at": now,
            "moved_because": move.because,
        }
    statement = _insert(connection)(feeds).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[feeds.c.url],
            set_={name: statement.excluded[name] for name in values if name != "url"},
        )
    )


def mark_feed_unchanged(
    engine: Engine, feed_url: str, move: FeedMove | None = None
) -> None:
    """Record that a feed was checked and answered 304 Not Modified.

    ``move``: it answered from a new URL, after a permanent redirect.
    """
    try:
        with engine.begin() as connection:
            _save_feed(connection, feed_url, None, utc_now(), move)
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot record feed {feed_url}: {reason(error)}"
        ) from error


def _upsert_episodes(
    connection: Connection, feed_url: str, items: Sequence[Episode], now: str
) -> None:
    rows = [
        {
            "feed_url": feed_url,
            "guid": item.guid,
            **{name: getattr(item, name) for name in FEED_COLUMNS},
            "first_seen_at": now,
            "updated_at": now,
            "download_status": "pending" if item.audio_url else "no-audio",
        }
        for item in items
    ]
    statement = _insert(connection)(episodes)
    refreshed = {name: statement.excluded[name] for name in FEED_COLUMNS}
    refreshed["updated_at"] = statement.excluded.updated_at
    refreshed["download_status"] = case(
        (
            (episodes.c.download_status == "no-audio")
            & statement.excluded.audio_url.is_not(None),
            "pending",
        ),
        else_=episodes.c.download_status,
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[episodes.c.feed_url, episodes.c.guid], set_=refreshed
        ),
        rows,
    )


def store_feed(
    engine: Engine,
    feed_url: str,
    items: Sequence[Episode],
    validators: FeedValidators,
    move: FeedMove | None = None,
) -> StoreResult:
    """Upsert a feed's episodes and its validators in one transaction.

    New episodes are inserted; known ones get their feed columns refreshed and
    keep their download, transcript and claim columns. The validators are saved
    in the same transaction, so a 304 later never hides episodes not stored;
    so is ``move``, the URL the feed is read at from now on (its own URL stays
    its identity: episodes keep their feed and guid).

    Raises:
        DatabaseError: The write failed; nothing of this feed was changed.
    """
    now = utc_now()
    try:
        with engine.begin() as connection:
            known = set(
                connection.scalars(
                    select(episodes.c.guid).where(episodes.c.feed_url == feed_url)
                )
            )
            if items:
                _upsert_episodes(connection, feed_url, items, now)
            _save_feed(connection, feed_url, validators, now, move)
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot store episodes of {feed_url}: {reason(error)}"
        ) from error
    new = sum(1 for item in items if item.guid not in known)
    logger.info("Stored %s: %d new, %d refreshed", feed_url, new, len(items) - new)
    return StoreResult(feed_url=feed_url, new=new, updated=len(items) - new)


def list_episodes(engine: Engine) -> list[dict[str, Any]]:
    """Every stored episode as a dict of its columns, newest first."""
    newest_first = (episodes.c.published_at.desc().nulls_last(), episodes.c.id.desc())
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(episodes).order_by(*newest_first))
            return [dict(row) for row in rows.mappings()]
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot list episodes: {reason(error)}") from error
