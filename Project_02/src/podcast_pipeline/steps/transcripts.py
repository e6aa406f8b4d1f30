"""The transcription step: claim downloaded episodes, transcribe, record each.

An episode whose feed offers a transcript (``<podcast:transcript>``) gets the
publisher's, its URL recorded as the source, unless the options ask for our own
speech-to-text; one whose offered transcript cannot be read is transcribed by
us. Undecodable or missing audio is a permanent failure; a worker process that
died (killed for memory, ...) or an engine failure is transient, retried later
with back-off, then given up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import Engine

from podcast_pipeline.errors import (
    InputError,
    PodcastPipelineError,
    TranscriptFetchError,
)
from podcast_pipeline.models import ClaimedEpisode, RetrySchedule
from podcast_pipeline.progress import Progress
from podcast_pipeline.publisher_transcripts import fetch_transcript
from podcast_pipeline.store import (
    claim_transcriptions,
    new_owner,
    record_transcript,
    release_claims,
)
from podcast_pipeline.transcription import Transcript  # light: records only

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscribeOptions:
    """How the transcription step runs.

    Attributes:
        engine: A speech engine name (``podcast_pipeline.transcription.ENGINES``).
        model_dir: The engine's model directory, if it needs one.
        workers: Worker processes (default: one per CPU).
        lease: How long the step's claims last.
        schedule: Back-off for transient failures.
        own_transcripts: Run our speech-to-text even where the publisher
            offers a transcript.
    """

    engine: str = "pocketsphinx"
    model_dir: Path | None = None
    workers: int | None = None
    lease: timedelta = timedelta(hours=4)
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    own_transcripts: bool = False


@dataclass(frozen=True)
class TranscribeReport:  # pylint: disable=too-many-instance-attributes  # one per count
    """What a transcribe step did.

    Attributes:
        attempted: Episodes claimed and tried.
        transcribed: Transcripts recorded (the publisher's included).
        failed: Transient failures (a worker died, the engine failed): retried
            after their back-off.
        refused: Permanent failures (undecodable or missing audio): never retried.
        audio_seconds: Audio transcribed.
        processing_seconds: Time the engines took.
        failures: ``(title, error)`` of each failed or refused episode.
    """

    attempted: int
    transcribed: int
    failed: int
    refused: int
    audio_seconds: float
    processing_seconds: float
    failures: tuple[tuple[str, str], ...] = ()
    from_publisher: int = 0


def is_permanent(error: PodcastPipelineError) -> bool:
    """Whether a transcription failure will not go away (undecodable, missing audio)."""
    return isinstance(error, InputError)


def _record(
    engine: Engine,
    claim: ClaimedEpisode,
    outcome: Transcript | PodcastPipelineError,
    options: TranscribeOptions,
) -> str | None:
    if isinstance(outcome, Transcript):
        return record_transcript(
            engine, claim, text=outcome.text, engine_name=outcome.engine
        )
    logger.error("Transcription of episode %d failed: %s", claim.episode_id, outcome)
    return record_transcript(
        engine,
        claim,
        text=None,
        engine_name=options.engine,
        error=str(outcome),
        permanent=is_permanent(outcome),
        schedule=options.schedule,
    )


def _take_publisher_transcripts(
    engine: Engine, claims: Sequence[ClaimedEpisode]
) -> list[ClaimedEpisode]:
    """Record the publisher's transcript of each claim that offers one.

    Returns:
        The claims recorded (those whose transcript could not be read are left
        for speech-to-text, with a warning).
    """
    recorded: list[ClaimedEpisode] = []
    with requests.Session() as session:
        for claim in claims:
            url, kind = claim.transcript_url, claim.transcript_type
            if url is None:
                continue
            try:
                text = fetch_transcript(session, url, kind or "text/plain")
            except TranscriptFetchError as error:
                logger.warning(
                    "Episode %d: %s; transcribing it ourselves", claim.episode_id, error
                )
                continue
            record_transcript(
                engine, claim, text=text, engine_name="publisher", source=url
            )
            recorded.append(claim)
    return recorded


def transcribe_claimed(
    engine: Engine,
    claims: Sequence[ClaimedEpisode],
    options: TranscribeOptions,
    progress: Progress | None = None,
) -> TranscribeReport:
    """Transcribe claimed episodes; each result is recorded as soon as it arrives.

    Raises:
        InputError: Unsupported engine or missing model directory (claims given
            back, nothing recorded).
    """
    # Heavy (numpy, engines): imported only when this step runs.
    # pylint: disable-next=import-outside-toplevel
    from podcast_pipeline.transcription import transcribe_many  # noqa: PLC0415

    published = (
        [] if options.own_transcripts else _take_publisher_transcripts(engine, claims)
    )
    recorded = {claim.episode_id for claim in published}
    by_path = {
        Path(claim.file_path or ""): claim
        for claim in claims
        if claim.episode_id not in recorded
    }
    seconds = [0.0, 0.0]
    failures: list[tuple[str, str]] = []
    refused = 0
    if progress is not None:
        progress.begin("transcripts", len(by_path))
    try:
        if not by_path:
            return _report(claims, published, failures, refused, seconds)
        outcomes = transcribe_many(
            list(by_path),
            engine=options.engine,
            model_dir=options.model_dir,
            workers=options.workers,
        )
        for path, outcome in outcomes:
            claim = by_path[path]
            _record(engine, claim, outcome, options)
            recorded.add(claim.episode_id)
            if isinstance(outcome, Transcript):
                seconds[0] += outcome.audio_seconds
                seconds[1] += outcome.processing_seconds
            else:
                failures.append((claim.title, str(outcome)))
                if is_permanent(outcome):
                    refused += 1
            if progress is not None:
                progress.step(path.name)
    finally:
        release_claims(engine, [c for c in claims if c.episode_id not in recorded])
        if progress is not None:
            progress.end()
    return _report(claims, published, failures, refused, seconds)


def _report(
    claims: Sequence[ClaimedEpisode],
    published: Sequence[ClaimedEpisode],
    failures: Sequence[tuple[str, str]],
    refused: int,
    seconds: Sequence[float],
) -> TranscribeReport:
    return TranscribeReport(
        attempted=len(claims),
        transcribed=len(claims) - len(failures),
        failed=len(failures) - refused,
        refused=refused,
        audio_seconds=seconds[0],
        processing_seconds=seconds[1],
        failures=tuple(failures),
        from_publisher=len(published),
    )


def transcribe_due(
    engine: Engine,
    options: TranscribeOptions | None = None,
    progress: Progress | None = None,
    owner: str | None = None,
) -> TranscribeReport:
    """Claim every episode due for transcription and transcribe it."""
    options = options or TranscribeOptions()
    claims = claim_transcriptions(engine, owner or new_owner(), None, options.lease)
    logger.info("%d episodes to transcribe with %s", len(claims), options.engine)
    return transcribe_claimed(engine, claims, options, progress)
