"""transcribe_many: both cores, yields as files end, a bad file never stops the rest."""

import multiprocessing
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from podcast_pipeline.errors import PodcastPipelineError
from podcast_pipeline.transcription import (
    AudioInputError,
    ModelDirectoryError,
    Transcript,
    TranscriptionError,
    UnsupportedEngineError,
    transcribe_many,
)
from podcast_pipeline.transcription.batch import (
    available_cpus,
    transcribe_in_worker,
    transcribe_safely,
)


@pytest.fixture
def good_and_bad_files(
    tmp_path: Path,
    write_audio: Callable[..., Path],
    make_tone: Callable[..., np.ndarray],
    not_audio: Path,
) -> list[Path]:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(40))
    return [
        write_audio("one.wav", make_tone(1.0, 22_050), 22_050),
        corrupt,
        write_audio("two.flac", make_tone(2.0, 16_000), 16_000, audio_format="FLAC"),
        not_audio,
        tmp_path / "missing.mp3",
    ]


def outcomes_by_name(
    results: list[tuple[Path, Transcript | PodcastPipelineError]],
) -> dict[str, Transcript | PodcastPipelineError]:
    return {path.name: outcome for path, outcome in results}


@pytest.mark.parametrize("workers", [2, 1], ids=["process-pool", "in-process"])
def test_bad_files_yield_their_error_and_the_good_ones_their_transcript(
    good_and_bad_files: list[Path], workers: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="podcast_pipeline.transcription.batch")

    results = list(transcribe_many(good_and_bad_files, workers=workers))

    assert sorted(path for path, _ in results) == sorted(good_and_bad_files)
    outcomes = outcomes_by_name(results)
    for name, seconds in (("one.wav", 1.0), ("two.flac", 2.0)):
        transcript = outcomes[name]
        assert isinstance(transcript, Transcript)
        assert transcript.audio_seconds == pytest.approx(seconds, abs=0.01)
    for name in ("corrupt.wav", "episode.mp3", "missing.mp3"):
        assert isinstance(outcomes[name], AudioInputError), name
    assert "not found" in str(outcomes["missing.mp3"])
    assert "5/5 " in caplog.text
    assert caplog.text.count("failed") == 3
    assert not multiprocessing.active_children()  # workers are joined, not left


def test_bad_engine_choice_is_raised_before_any_file_is_touched(
    good_and_bad_files: list[Path],
) -> None:
    with pytest.raises(UnsupportedEngineError):
        transcribe_many(good_and_bad_files, engine="whisper")
    with pytest.raises(ModelDirectoryError):
        transcribe_many(good_and_bad_files, engine="vosk")
    with pytest.raises(ModelDirectoryError, match="acoustic model"):
        transcribe_many(good_and_bad_files, model_dir=good_and_bad_files[0].parent)


def test_workers_below_one_are_refused(good_and_bad_files: list[Path]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        transcribe_many(good_and_bad_files, workers=0)


def test_no_files_yield_nothing() -> None:
    assert not list(transcribe_many([]))


def test_an_unexpected_engine_failure_becomes_a_transcription_error(
    tone_wav: Path, fake_engine_factory: Callable[..., Any]
) -> None:
    engine_without_answers = fake_engine_factory(answers=[])

    outcome = transcribe_safely(tone_wav, engine_without_answers)

    assert isinstance(outcome, TranscriptionError)
    assert "IndexError" in str(outcome)


def test_a_worker_returns_engine_errors_instead_of_dying(tone_wav: Path) -> None:
    outcome = transcribe_in_worker(tone_wav, "vosk", None)

    assert isinstance(outcome, ModelDirectoryError)


def test_a_worker_reuses_its_engine_across_files(tone_wav: Path) -> None:
    first = transcribe_in_worker(tone_wav, "pocketsphinx", None)
    second = transcribe_in_worker(tone_wav, "pocketsphinx", None)

    assert isinstance(first, Transcript)
    assert isinstance(second, Transcript)
    assert first.text == second.text


def test_available_cpus_is_at_least_one() -> None:
    assert available_cpus() >= 1


def test_stopping_early_cancels_the_files_not_yet_started(
    good_and_bad_files: list[Path],
) -> None:
    results = transcribe_many(good_and_bad_files * 4, workers=2)
    assert isinstance(results, Generator)

    first_path, _ = next(results)
    results.close()

    assert first_path in good_and_bad_files
    assert not multiprocessing.active_children()
