"""The transcribe step: every downloaded, untranscribed episode, one UPDATE each."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from podcast_pipeline.errors import PodcastPipelineError
from podcast_pipeline.progress import Progress
from podcast_pipeline.storage import (
    database,
    pending_transcriptions,
    update_episode,
    utc_now,
)
from podcast_pipeline.transcription import Transcript  # light: records only

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscribeReport:
    """What a transcribe step did."""

    attempted: int
    transcribed: int
    failed: int
    audio_seconds: float
    processing_seconds: float


def _store_outcome(
    connection: sqlite3.Connection,
    episode_id: int,
    outcome: Transcript | PodcastPipelineError,
) -> tuple[float, float] | str:
    """Record one transcript (returns its seconds) or its error (returns the text)."""
    if isinstance(outcome, PodcastPipelineError):
        logger.error("Transcription of episode %d failed: %s", episode_id, outcome)
        update_episode(connection, episode_id, transcript_error=str(outcome))
        return str(outcome)
    update_episode(
        connection,
        episode_id,
        transcript=outcome.text,
        transcript_engine=outcome.engine,
        transcribed_at=utc_now(),
        transcript_error=None,
    )
    return outcome.audio_seconds, outcome.processing_seconds


def transcribe_episodes(
    db_path: Path,
    *,
    engine: str = "pocketsphinx",
    model_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> TranscribeReport:
    """Transcribe downloaded episodes that have no transcript yet.

    Each result is stored as soon as it arrives with an ``UPDATE`` of that
    episode's transcript columns only; a file that fails gets its
    ``transcript_error`` set (and is skipped by later runs) while the others go on.

    Args:
        db_path: The database.
        engine: A speech engine name (see ``podcast_pipeline.transcription.ENGINES``).
        model_dir: The engine's model directory, if it needs one.
        workers: Worker processes (default: one per CPU).
        progress: Told of each finished file.

    Returns:
        Counts and the audio / processing seconds of the transcripts.

    Raises:
        InputError: Unsupported engine or missing model directory.
    """
    # Heavy (numpy, engines): imported only when this step runs, so --help stays fast.
    # pylint: disable-next=import-outside-toplevel
    from podcast_pipeline.transcription import transcribe_many  # noqa: PLC0415

    seconds = [0.0, 0.0]
    errors = 0
    with database(db_path) as connection:
        pending = pending_transcriptions(connection)
        episode_ids = {path: episode_id for episode_id, path in pending}
        logger.info("%d episodes to transcribe with %s", len(pending), engine)
        if progress is not None:
            progress.begin("transcripts", len(pending))
        outcomes = transcribe_many(
            list(episode_ids), engine=engine, model_dir=model_dir, workers=workers
        )
        for path, outcome in outcomes:
            stored = _store_outcome(connection, episode_ids[path], outcome)
            if isinstance(stored, str):
                errors += 1
            else:
                seconds = [seconds[0] + stored[0], seconds[1] + stored[1]]
            if progress is not None:
                progress.step(path.name)
        if progress is not None:
            progress.end()
    return TranscribeReport(
        attempted=len(pending),
        transcribed=len(pending) - errors,
        failed=errors,
        audio_seconds=seconds[0],
        processing_seconds=seconds[1],
    )
