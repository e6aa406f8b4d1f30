"""Transcribe one audio file: decode, chunk, recognise, join, time."""

import logging
import time
from collections.abc import Callable
from pathlib import Path

from podcast_pipeline.transcription.audio import TARGET_SAMPLE_RATE, iter_pcm16, probe
from podcast_pipeline.transcription.chunking import (
    DEFAULT_MAX_CHUNK_SECONDS,
    DEFAULT_MIN_CHUNK_SECONDS,
    split_at_quiet_points,
)
from podcast_pipeline.transcription.engines import SpeechEngine, create_engine
from podcast_pipeline.transcription.errors import AudioInputError
from podcast_pipeline.transcription.result import Transcript, TranscriptionProgress

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[TranscriptionProgress], None]


def transcribe_with_engine(
    path: Path,
    engine: SpeechEngine,
    *,
    progress: ProgressCallback | None = None,
    min_chunk_seconds: float = DEFAULT_MIN_CHUNK_SECONDS,
    max_chunk_seconds: float = DEFAULT_MAX_CHUNK_SECONDS,
) -> Transcript:
    """Transcribe an audio file with an engine that is already loaded.

    The audio is decoded block by block and recognised in chunks of
    min_chunk_seconds to max_chunk_seconds cut at quiet moments, so memory
    stays bounded whatever the file's length.

    Args:
        path: The audio file.
        engine: The speech engine.
        progress: Called after each chunk with how far the file has got.
        min_chunk_seconds: Shortest recognition chunk (except the last).
        max_chunk_seconds: Longest recognition chunk.

    Returns:
        The transcript: chunk texts joined with single spaces.

    Raises:
        AudioInputError: The file is missing, empty, not audio, or has no samples.
        TranscriptionError: The engine failed.
    """
    started = time.perf_counter()
    total_seconds = probe(path).seconds
    logger.info(
        "transcribing %s (%.1f s of audio) with %s", path, total_seconds, engine.name
    )
    texts: list[str] = []
    done_samples = 0
    chunks = 0
    for chunk in split_at_quiet_points(
        iter_pcm16(path),
        sample_rate=TARGET_SAMPLE_RATE,
        min_seconds=min_chunk_seconds,
        max_seconds=max_chunk_seconds,
    ):
        text = engine.transcribe_chunk(chunk).strip()
        if text:
            texts.append(text)
        done_samples += chunk.size
        chunks += 1
        update = TranscriptionProgress(
            path, done_samples / TARGET_SAMPLE_RATE, total_seconds, chunks
        )
        _log_progress(update)
        if progress is not None:
            progress(update)
    if done_samples == 0:
        raise AudioInputError(f"audio file holds no samples: {path}")
    transcript = Transcript(
        text=" ".join(texts),
        engine=engine.name,
        audio_seconds=done_samples / TARGET_SAMPLE_RATE,
        processing_seconds=time.perf_counter() - started,
        chunks=chunks,
    )
    logger.info(
        "transcribed %s: %.1f s of audio in %.1f s (real-time factor %.3f), "
        "%d chunk(s), %d words",
        path,
        transcript.audio_seconds,
        transcript.processing_seconds,
        transcript.real_time_factor,
        chunks,
        len(transcript.text.split()),
    )
    return transcript


def _log_progress(update: TranscriptionProgress) -> None:
    fraction = update.fraction
    share = f" ({fraction:.0%})" if fraction is not None else ""
    logger.info(
        "%s: %.1f of %.1f s recognised%s",
        update.path.name,
        update.done_seconds,
        update.total_seconds,
        share,
    )


def transcribe_file(
    path: Path,
    *,
    engine: str = "pocketsphinx",
    model_dir: Path | None = None,
    progress: ProgressCallback | None = None,
) -> Transcript:
    """Transcribe one audio file offline.

    Args:
        path: The audio file (WAV, FLAC, OGG, MP3... anything soundfile reads).
        engine: One of ENGINES; "pocketsphinx" needs no download.
        model_dir: The engine's model directory (required for "vosk").
        progress: Called after each recognised chunk.

    Returns:
        The transcript with its engine, audio duration and processing time.

    Raises:
        UnsupportedEngineError: engine is not in ENGINES.
        ModelDirectoryError: The model directory is missing or incomplete.
        EngineUnavailableError: The engine's package is not installed.
        AudioInputError: The file is missing, empty or not audio.
        TranscriptionError: The engine failed at run time.
    """
    speech_engine = create_engine(engine, model_dir)
    return transcribe_with_engine(path, speech_engine, progress=progress)
