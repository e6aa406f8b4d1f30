"""Settings with their defaults, read from arguments or the environment at the edge."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from podcast_pipeline.errors import InputError

DEFAULT_FEED = "https://www.marketplace.org/feed/podcast/marketplace/"
DEFAULT_MAX_EPISODES = 5
DEFAULT_FILE_TIME_LIMIT = 1800
DB_FILE_NAME = "podcasts.db"
#: The DAG's task time limits (Airflow's execution_timeout). A claim a task holds
#: is leased for its task's limit plus TASK_LEASE_MARGIN: the work of one task,
#: whatever the size of the run.
DOWNLOAD_TASK_TIMEOUT = timedelta(minutes=45)
TRANSCRIPTION_TASK_TIMEOUT = timedelta(hours=2)
TASK_LEASE_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Settings:
    """Where and what the pipeline works on.

    Attributes:
        feeds: Feed URLs to fetch.
        data_dir: Root for audio files and fetched feed bodies.
        store: The episode store: a SQLite file path or a SQLAlchemy URL.
        max_episodes: Most downloads per run (newest first per feed).
        workers: Episodes worked on at once per step (None: 4 downloads, one
            transcription process per CPU).
        file_time_limit: Wall-time limit per audio file, retries included (s).
    """

    feeds: tuple[str, ...]
    data_dir: Path
    store: str
    max_episodes: int = DEFAULT_MAX_EPISODES
    workers: int | None = None
    file_time_limit: int = DEFAULT_FILE_TIME_LIMIT

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


def default_store(environ: Mapping[str, str], data_dir: Path) -> str:
    """``PODCAST_DB`` (a path or SQLAlchemy URL), else ``DATA_DIR/podcasts.db``."""
    return environ.get("PODCAST_DB") or str(data_dir / DB_FILE_NAME)


def build_settings(  # pylint: disable=too-many-arguments  # keyword-only options
    environ: Mapping[str, str],
    *,
    feeds: tuple[str, ...] | None = None,
    data_dir: Path | None = None,
    store: str | Path | None = None,
    max_episodes: int | None = None,
    workers: int | None = None,
    file_time_limit: int | None = None,
) -> Settings:
    """Settings from explicit values, falling back to the environment's defaults.

    Raises:
        InputError: A bad number.
    """
    resolved_dir = data_dir if data_dir is not None else default_data_dir(environ)
    for name, value, minimum in (
        ("workers", workers, 1),
        ("max episodes", max_episodes, 0),
        ("file time limit", file_time_limit, 1),
    ):
        if value is not None and value < minimum:
            raise InputError(f"{name} must be at least {minimum}, got {value}")
    return Settings(
        feeds=feeds or default_feeds(environ),
        data_dir=resolved_dir,
        store=str(store) if store else default_store(environ, resolved_dir),
        max_episodes=(
            max_episodes if max_episodes is not None else default_max_episodes(environ)
        ),
        workers=workers,
        file_time_limit=file_time_limit or DEFAULT_FILE_TIME_LIMIT,
    )
