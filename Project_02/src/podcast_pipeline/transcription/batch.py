"""Transcribe many files in parallel worker processes, yielding each as it ends."""

import functools
import logging
import os
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from pathlib import Path

from podcast_pipeline.errors import PodcastPipelineError
from podcast_pipeline.transcription.engines import (
    SpeechEngine,
    check_engine,
    create_engine,
)
from podcast_pipeline.transcription.errors import (
    TranscriptionError,
    WorkerDiedError,
)
from podcast_pipeline.transcription.pool import run_in_workers
from podcast_pipeline.transcription.result import Transcript
from podcast_pipeline.transcription.transcriber import transcribe_with_engine

logger = logging.getLogger(__name__)

Outcome = Transcript | PodcastPipelineError


def available_cpus() -> int:
    """Return the number of CPUs this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover  (macOS, Windows)


def transcribe_safely(path: Path, engine: SpeechEngine) -> Outcome:
    """Transcribe one file, returning any failure instead of raising it.

    Args:
        path: The audio file.
        engine: A loaded speech engine.

    Returns:
        The transcript, or the error that explains why there is none; an
        unexpected exception is wrapped in a TranscriptionError.
    """
    # pylint: disable=broad-exception-caught
    try:
        return transcribe_with_engine(path, engine)
    except PodcastPipelineError as exc:
        return exc
    # One file's unforeseen failure must not stop the other files.
    except Exception as exc:  # noqa: BLE001
        return TranscriptionError(f"transcription of {path} failed: {exc!r}")


@functools.cache
def _worker_engine(engine: str, model_dir: Path | None) -> SpeechEngine:
    # Loaded once per worker process, then reused for every file it gets.
    return create_engine(engine, model_dir)


def transcribe_in_worker(path: Path, engine: str, model_dir: Path | None) -> Outcome:
    """Transcribe one file in a worker process, loading its engine on first use."""
    try:
        speech_engine = _worker_engine(engine, model_dir)
    except PodcastPipelineError as exc:
        return exc
    return transcribe_safely(path, speech_engine)


def _in_process(
    paths: Sequence[Path], engine: str, model_dir: Path | None
) -> Generator[tuple[Path, Outcome]]:
    speech_engine = create_engine(engine, model_dir)
    for path in paths:
        yield path, transcribe_safely(path, speech_engine)


def _in_pool(
    paths: Sequence[Path], engine: str, model_dir: Path | None, workers: int
) -> Generator[tuple[Path, Outcome]]:
    work = functools.partial(transcribe_in_worker, engine=engine, model_dir=model_dir)
    # closing: a caller that stops early stops the workers now, not at collection.
    with closing(run_in_workers(work, paths, workers)) as outcomes:
        for path, outcome in outcomes:
            yield path, _named(path, outcome)


def _named(path: Path, outcome: Outcome) -> Outcome:
    if isinstance(outcome, WorkerDiedError):  # transient: retried later
        return WorkerDiedError(f"transcription of {path} failed: {outcome}")
    return outcome


def _logged(
    results: Generator[tuple[Path, Outcome]], total: int
) -> Iterator[tuple[Path, Outcome]]:
    # Workers' own log records stay in their processes; progress is logged here.
    with closing(results):
        for done, (path, outcome) in enumerate(results, start=1):
            if isinstance(outcome, Transcript):
                logger.info(
                    "%d/%d transcribed %s (%.1f s of audio, real-time factor %.3f)",
                    done,
                    total,
                    path,
                    outcome.audio_seconds,
                    outcome.real_time_factor,
                )
            else:
                logger.warning("%d/%d failed %s: %s", done, total, path, outcome)
            yield path, outcome


def transcribe_many(
    paths: Sequence[Path],
    *,
    engine: str = "pocketsphinx",
    model_dir: Path | None = None,
    workers: int | None = None,
) -> Iterator[tuple[Path, Transcript | PodcastPipelineError]]:
    """Transcribe several audio files on all CPUs, yielding each as soon as it ends.

    The engine choice is checked before any work starts; after that, a file
    that fails (missing, corrupt, not audio) yields its error and the other
    files go on. Workers are spawned processes, so a script calling this
    needs the usual ``if __name__ == "__main__":`` guard; each worker loads
    the engine once and reuses it for every file it gets. A worker that dies
    (killed for memory, ...) yields a WorkerDiedError for its file and is
    replaced for the others (see ``pool.run_in_workers``); closing the
    iterator early stops every worker.

    Args:
        paths: The audio files.
        engine: One of ENGINES.
        model_dir: The engine's model directory (required for "vosk").
        workers: Worker processes; default one per available CPU, at most one
            per file. With 1, files are transcribed in this process.

    Returns:
        An iterator of (path, transcript or error), in order of completion.

    Raises:
        UnsupportedEngineError: engine is not in ENGINES.
        ModelDirectoryError: The model directory is missing or incomplete.
        EngineUnavailableError: The engine's package is not installed.
        ValueError: workers is below 1.
    """
    check_engine(engine, model_dir)
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    files = list(paths)
    if not files:
        return iter(())
    pool_size = min(workers or available_cpus(), len(files))
    logger.info(
        "transcribing %d file(s) with %s in %d process(es)",
        len(files),
        engine,
        pool_size,
    )
    if pool_size == 1:
        return _logged(_in_process(files, engine, model_dir), len(files))
    return _logged(_in_pool(files, engine, model_dir, pool_size), len(files))
