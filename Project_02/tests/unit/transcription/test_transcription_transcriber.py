"""transcribe_file and transcribe_with_engine: joining, progress, engines, errors."""

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import podcast_pipeline.transcription as transcription_package
from podcast_pipeline.errors import InputError, PodcastPipelineError
from podcast_pipeline.transcription import (
    ENGINES,
    AudioInputError,
    EngineUnavailableError,
    ModelDirectoryError,
    Transcript,
    TranscriptionError,
    TranscriptionProgress,
    UnsupportedEngineError,
    transcribe_file,
)
from podcast_pipeline.transcription.engines import PocketSphinxEngine
from podcast_pipeline.transcription.transcriber import transcribe_with_engine


def test_chunk_texts_are_joined_with_single_spaces_and_blanks_dropped(
    write_audio: Callable[..., Path],
    make_bursts_with_gap: Callable[..., np.ndarray],
    fake_engine_factory: Callable[..., Any],
) -> None:
    samples = make_bursts_with_gap(16_000, 10.0, gap_start=3.5, gap_seconds=0.3)
    path = write_audio("speech.wav", samples, 16_000)
    engine = fake_engine_factory(["  hello world ", "", "again"])

    transcript = transcribe_with_engine(
        path, engine, min_chunk_seconds=3, max_chunk_seconds=4
    )

    assert transcript.text == "hello world again"
    assert transcript.chunks == 3
    assert transcript.engine == "fake"
    assert transcript.audio_seconds == pytest.approx(10.0)
    assert sum(engine.chunk_sizes) == samples.size
    assert 3.5 * 16_000 <= engine.chunk_sizes[0] <= 3.8 * 16_000


def test_progress_is_reported_after_every_chunk(
    tone_wav: Path,
    fake_engine_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    updates: list[TranscriptionProgress] = []
    caplog.set_level("INFO", logger="podcast_pipeline.transcription")

    transcript = transcribe_with_engine(
        tone_wav,
        fake_engine_factory(),
        progress=updates.append,
        min_chunk_seconds=1,
        max_chunk_seconds=1,
    )

    assert [u.chunks_done for u in updates] == [1, 2, 3]
    assert [u.done_seconds for u in updates] == pytest.approx([1.0, 2.0, 3.0])
    assert updates[-1].fraction == pytest.approx(1.0)
    assert transcript.text == "chunk1 chunk2 chunk3"
    assert "real-time factor" in caplog.text
    assert "(100%)" in caplog.text


def test_pocketsphinx_transcribes_generated_audio_with_its_bundled_model(
    tone_wav: Path,
) -> None:
    transcript = transcribe_file(tone_wav)

    assert transcript.engine == "pocketsphinx"
    assert isinstance(transcript.text, str)
    assert transcript.audio_seconds == pytest.approx(3.0, abs=0.01)
    assert transcript.chunks == 1
    assert transcript.processing_seconds > 0


def test_pocketsphinx_accepts_a_model_dir_laid_out_like_its_own(
    tone_wav: Path, bundled_model_dir: Path
) -> None:
    transcript = transcribe_file(tone_wav, model_dir=bundled_model_dir)

    assert transcript.engine == "pocketsphinx"


def test_pocketsphinx_refuses_an_incomplete_model_dir(
    tmp_path: Path, tone_wav: Path
) -> None:
    (tmp_path / "model").mkdir()

    with pytest.raises(ModelDirectoryError, match="acoustic model"):
        transcribe_file(tone_wav, model_dir=tmp_path / "model")


@pytest.fixture
def bundled_model_dir() -> Path:
    """The US English model that ships inside the pocketsphinx wheel."""
    return Path(pytest.importorskip("pocketsphinx").get_model_path("en-us"))


@pytest.fixture
def copied_model_dir(tmp_path: Path, bundled_model_dir: Path) -> Path:
    """A model dir linking to the bundled model's files, for breaking one of them."""
    copy = tmp_path / "model"
    copy.mkdir()
    for item in bundled_model_dir.iterdir():
        (copy / item.name).symlink_to(item)
    return copy


def test_a_language_model_pocketsphinx_cannot_read_is_a_model_error(
    copied_model_dir: Path, tone_wav: Path
) -> None:
    language_model = copied_model_dir / "en-us.lm.bin"
    language_model.unlink()
    language_model.write_bytes(b"not a language model")

    with pytest.raises(ModelDirectoryError, match="cannot load its model"):
        transcribe_file(tone_wav, model_dir=copied_model_dir)


@pytest.mark.parametrize(
    ("broken_file", "content", "message"),
    [
        ("mdef", b"", "missing or empty"),
        ("mdef", b"garbage", "not a PocketSphinx model definition"),
        ("means", None, "missing or empty"),
    ],
)
def test_acoustic_model_faults_are_caught_before_pocketsphinx_aborts(
    copied_model_dir: Path,
    bundled_model_dir: Path,
    broken_file: str,
    content: bytes | None,
    message: str,
) -> None:
    acoustic = copied_model_dir / "en-us"
    acoustic.unlink()
    acoustic.mkdir()
    for item in (bundled_model_dir / "en-us").iterdir():
        if item.name != broken_file:
            (acoustic / item.name).symlink_to(item)
    if content is not None:
        (acoustic / broken_file).write_bytes(content)

    with pytest.raises(ModelDirectoryError, match=message):
        PocketSphinxEngine(copied_model_dir)


def test_audio_without_samples_is_an_input_error(
    write_audio: Callable[..., Path],
) -> None:
    path = write_audio("silence.wav", np.zeros(0, dtype=np.int16), 16_000)

    with pytest.raises(AudioInputError, match="holds no samples"):
        transcribe_file(path)


def test_a_non_audio_file_is_refused_before_any_recognition(not_audio: Path) -> None:
    with pytest.raises(AudioInputError, match="not a readable audio file"):
        transcribe_file(not_audio)


@pytest.mark.parametrize(
    ("engine", "model_dir", "error", "message"),
    [
        ("whisper", None, UnsupportedEngineError, "choose one of: pocketsphinx, vosk"),
        ("vosk", None, ModelDirectoryError, "needs --model-dir"),
        ("vosk", Path("no/such/model"), ModelDirectoryError, "not found: no/such"),
        ("pocketsphinx", Path("no/such/model"), ModelDirectoryError, "not found"),
    ],
)
def test_bad_engine_choices_are_input_errors(
    tone_wav: Path,
    engine: str,
    model_dir: Path | None,
    error: type[InputError],
    message: str,
) -> None:
    with pytest.raises(error, match=message) as caught:
        transcribe_file(tone_wav, engine=engine, model_dir=model_dir)

    assert caught.value.exit_code == 2


def test_every_input_error_exits_2_and_runtime_errors_exit_1() -> None:
    for error in (
        AudioInputError,
        UnsupportedEngineError,
        ModelDirectoryError,
        EngineUnavailableError,
    ):
        assert issubclass(error, InputError)
        assert error.exit_code == 2
    assert issubclass(TranscriptionError, PodcastPipelineError)
    assert TranscriptionError.exit_code == 1


def test_progress_of_audio_of_unknown_length_has_no_fraction(tmp_path: Path) -> None:
    update = TranscriptionProgress(tmp_path / "live.mp3", 30.0, 0.0, chunks_done=1)

    assert update.fraction is None


def test_transcript_is_a_frozen_record_with_its_real_time_factor() -> None:
    transcript = Transcript("hi", "pocketsphinx", 50.0, 5.0, chunks=2)

    assert transcript.real_time_factor == pytest.approx(0.1)
    assert Transcript("", "vosk", 0.0, 1.0).real_time_factor == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        transcript.text = "changed"  # type: ignore[misc]


def test_engines_names_the_default_first() -> None:
    assert ENGINES == ("pocketsphinx", "vosk")


def test_importing_the_package_loads_no_audio_or_speech_library() -> None:
    probe = (
        "import sys, podcast_pipeline.transcription as t; "
        "heavy = {'numpy', 'soundfile', 'soxr', 'pocketsphinx'}; "
        "print(sorted(heavy & set(sys.modules))); print(callable(t.transcribe_file))"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.split("\n")[:2] == ["[]", "True"]


def test_unknown_package_attributes_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'transcribe_everything'"):
        _ = transcription_package.transcribe_everything
