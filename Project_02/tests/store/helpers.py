"""Small builders for the store tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, update

from podcast_pipeline.models import Episode
from podcast_pipeline.store.schema import episodes

FEED = "https://example.org/feed"


def episode(
    guid: str,
    title: str = "t",
    published: str | None = None,
    audio: bool = True,
    feed: str = FEED,
) -> Episode:
    return Episode(
        feed_url=feed,
        guid=guid,
        title=title,
        published_at=published,
        audio_url=f"https://example.org/{guid}.mp3" if audio else None,
    )


def set_columns(engine: Engine, guid: str, **values: Any) -> None:
    """Set columns of one episode directly (what earlier steps or time did)."""
    with engine.begin() as connection:
        connection.execute(
            update(episodes).where(episodes.c.guid == guid).values(**values)
        )
