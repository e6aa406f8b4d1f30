"""Settings with their defaults, read from arguments or the environment at the edge."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from podcast_pipeline.errors import InputError

DEFAULT_FEED = "https://www.marketplace.org/feed/podcast/marketplace/"
DEFAULT_MAX_EPISODES = 5
DEFAULT_WORKERS = 4
DB_FILE_NAME = "podcasts.db"


@dataclass(frozen=True)
class Settings:
    """Where and what the pipeline works on.

    Attributes:
        feeds: Feed URLs to fetch.
        data_dir: Root for audio files and fetched feed bodies.
        db_path: The SQLite database.
        max_episodes: Most downloads per run (newest first).
        workers: Concurrent downloads.
    """

    feeds: tuple[str, ...]
    data_dir: Path
    db_path: Path
    max_episodes: int = DEFAULT_MAX_EPISODES
    workers: int = DEFAULT_WORKERS

    @property
    def audio_dir(self) -> Path:
        """Where audio files go."""
        return self.data_dir / "audio"

    @property
    def feeds_dir(self) -> Path:
        """Where fetched feed bodies go between the fetch and store steps."""
        return self.data_dir / "feeds"


def parse_feed_list(text: str) -> tuple[str, ...]:
    """Split a list of feed URLs separated by commas, spaces or newlines."""
    return tuple(part for part in re.split(r"[\s,]+", text) if part)


def parse_count(text: str, name: str) -> int:
    """Parse a non-negative integer setting.

    Raises:
        InputError: Not a non-negative integer.
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise InputError(f"{name} must be a non-negative integer, got {text!r}")
    return value


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """``PODCAST_DATA_DIR``, else ``~/.local/share/podcast-pipeline``."""
    configured = environ.get("PODCAST_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "podcast-pipeline"


def default_feeds(environ: Mapping[str, str]) -> tuple[str, ...]:
    """``PODCAST_FEEDS`` (comma/space separated), else the Marketplace feed."""
    return parse_feed_list(environ.get("PODCAST_FEEDS", "")) or (DEFAULT_FEED,)


def default_max_episodes(environ: Mapping[str, str]) -> int:
    """``PODCAST_MAX_EPISODES``, else 5."""
    text = environ.get("PODCAST_MAX_EPISODES")
    if not text:
        return DEFAULT_MAX_EPISODES
    return parse_count(text, "PODCAST_MAX_EPISODES")


def build_settings(  # pylint: disable=too-many-arguments  # keyword-only options
    environ: Mapping[str, str],
    *,
    feeds: tuple[str, ...] | None = None,
    data_dir: Path | None = None,
    db_path: Path | None = None,
    max_episodes: int | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Settings:
    """Settings from explicit values, falling back to the environment's defaults.

    Raises:
        InputError: No feed, or a bad number.
    """
    resolved_dir = data_dir if data_dir is not None else default_data_dir(environ)
    chosen_feeds = feeds or default_feeds(environ)
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    if max_episodes is not None and max_episodes < 0:
        raise InputError(
            f"max episodes must be a non-negative integer, got {max_episodes}"
        )
    return Settings(
        feeds=chosen_feeds,
        data_dir=resolved_dir,
        db_path=db_path if db_path is not None else resolved_dir / DB_FILE_NAME,
        max_episodes=(
            max_episodes if max_episodes is not None else default_max_episodes(environ)
        ),
        workers=workers,
    )
