"""One complete run without Airflow: fetch, store, download, transcribe."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from podcast_pipeline.config import Settings
from podcast_pipeline.download import DownloadPolicy
from podcast_pipeline.pipeline import (
    DownloadReport,
    FeedReport,
    download_episodes,
    fetch_feeds,
    prepare_database,
    store_feeds,
)
from podcast_pipeline.progress import Progress
from podcast_pipeline.transcribe_step import TranscribeReport, transcribe_episodes

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscribeOptions:
    """Whether and how the run transcribes."""

    enabled: bool = True
    engine: str = "pocketsphinx"
    model_dir: Path | None = None


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for the CLI's summary."""

    fetched: FeedReport
    stored: FeedReport
    downloads: DownloadReport
    transcripts: TranscribeReport | None

    @property
    def feed_failures(self) -> tuple[tuple[str, str], ...]:
        """Feeds that could not be fetched or parsed."""
        return self.fetched.failures + self.stored.failures

    @property
    def problems(self) -> tuple[str, ...]:
        """What failed in this run, one phrase each (empty: a clean run)."""
        if not self.feed_failures:
            return ()
        return (f"{len(self.feed_failures)} feed(s) failed",)


def run_pipeline(
    settings: Settings,
    *,
    transcribe: TranscribeOptions | None = None,
    policy: DownloadPolicy | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run every step once, in order, as the DAG does.

    Args:
        settings: Feeds, directories, database and limits.
        transcribe: Transcription options (default: on, PocketSphinx).
        policy: Download limits and retries.
        progress: Told of each download and transcript (the CLI's bars).

    Returns:
        The reports of the steps.

    Raises:
        PodcastPipelineError: A step failed as a whole (every feed unreachable,
            bad input, database error).
    """
    transcribe = transcribe or TranscribeOptions()
    prepare_database(settings.db_path)
    snapshots, fetched = fetch_feeds(
        settings.feeds, settings.db_path, settings.feeds_dir
    )
    stored = store_feeds(snapshots, settings.db_path)
    downloads = download_episodes(
        settings.db_path,
        settings.audio_dir,
        max_episodes=settings.max_episodes,
        workers=settings.workers,
        policy=policy,
        progress=progress,
    )
    transcripts = None
    if transcribe.enabled:
        transcripts = transcribe_episodes(
            settings.db_path,
            engine=transcribe.engine,
            model_dir=transcribe.model_dir,
            progress=progress,
        )
    return RunSummary(fetched, stored, downloads, transcripts)
