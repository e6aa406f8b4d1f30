"""One complete run without Airflow: fetch, store, download, transcribe."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from podcast_pipeline.config import Settings
from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.progress import Progress
from podcast_pipeline.steps.downloads import (
    DEFAULT_DOWNLOAD_WORKERS,
    DownloadReport,
    download_due,
)
from podcast_pipeline.steps.feeds import FeedReport, fetch_feeds, store_feeds
from podcast_pipeline.steps.transcripts import (
    TranscribeOptions,
    TranscribeReport,
    transcribe_due,
)
from podcast_pipeline.store import open_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscribeChoice:
    """Whether and how the run transcribes."""

    enabled: bool = True
    engine: str = "pocketsphinx"
    model_dir: Path | None = None
    own_transcripts: bool = False


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for the CLI's summary."""

    fetched: FeedReport
    stored: FeedReport
    downloads: DownloadReport
    transcripts: TranscribeReport | None
    problems: tuple[str, ...] = field(default=())

    @property
    def feed_failures(self) -> tuple[tuple[str, str], ...]:
        """Feeds that could not be fetched or parsed."""
        return self.fetched.failures + self.stored.failures


def _problems(summary: RunSummary) -> tuple[str, ...]:
    """What failed in this run, one phrase each (empty: a clean run)."""
    problems = []
    if summary.feed_failures:
        problems.append(f"{len(summary.feed_failures)} feed(s) failed")
    downloads = summary.downloads
    if downloads.failed or downloads.refused:
        problems.append(
            f"{downloads.failed + downloads.refused} download(s) failed: "
            + ", ".join(repr(title) for title, _ in downloads.failures)
        )
    transcripts = summary.transcripts
    if transcripts is not None and (transcripts.failed or transcripts.refused):
        problems.append(
            f"{transcripts.failed + transcripts.refused} transcript(s) failed: "
            + ", ".join(repr(title) for title, _ in transcripts.failures)
        )
    return tuple(problems)


def download_policy(settings: Settings) -> DownloadPolicy:
    """The download policy with the settings' time limit per file."""
    policy = DownloadPolicy()
    return replace(
        policy, retry=replace(policy.retry, max_total_seconds=settings.file_time_limit)
    )


def run_pipeline(
    settings: Settings,
    *,
    transcribe: TranscribeChoice | None = None,
    policy: DownloadPolicy | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run every step once, in order, as the DAG does.

    Args:
        settings: Feeds, directories, store and limits.
        transcribe: Transcription choice (default: on, PocketSphinx).
        policy: Download limits and retries (default: from the settings).
        progress: Told of each download and transcript (the CLI's bars).

    Returns:
        The reports of the steps and the problems of this run.

    Raises:
        PodcastPipelineError: A step failed as a whole (every feed unreachable,
            bad input, store unreachable).
    """
    transcribe = transcribe or TranscribeChoice()
    engine = open_store(settings.store)
    try:
        snapshots, fetched = fetch_feeds(engine, settings.feeds, settings.feeds_dir)
        stored = store_feeds(engine, snapshots)
        downloads = download_due(
            engine,
            settings.audio_dir,
            max_episodes=settings.max_episodes,
            workers=settings.workers or DEFAULT_DOWNLOAD_WORKERS,
            policy=policy or download_policy(settings),
            progress=progress,
        )
        transcripts = None
        if transcribe.enabled:
            options = TranscribeOptions(
                engine=transcribe.engine,
                model_dir=transcribe.model_dir,
                workers=settings.workers,
                own_transcripts=transcribe.own_transcripts,
            )
            transcripts = transcribe_due(engine, options, progress)
    finally:
        engine.dispose()
    summary = RunSummary(fetched, stored, downloads, transcripts)
    return replace(summary, problems=_problems(summary))
