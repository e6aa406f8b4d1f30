"""Fixtures for the transcription unit tests: audio in tmp_path, a fake engine."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from numpy.typing import NDArray


def _tone(
    seconds: float, rate: int, frequency: float = 440.0, amplitude: float = 0.5
) -> NDArray[np.float32]:
    """A sine wave, the simplest signal whose pitch survives resampling."""
    times = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * times)).astype(np.float32)


def _bursts_with_gap(
    rate: int, seconds: float, gap_start: float, gap_seconds: float
) -> NDArray[np.int16]:
    """Loud noise everywhere except one silent gap: the only sensible cut point."""
    generator = np.random.default_rng(7)
    samples = generator.integers(-8000, 8000, round(seconds * rate), dtype=np.int16)
    first = round(gap_start * rate)
    samples[first : first + round(gap_seconds * rate)] = 0
    return samples


@pytest.fixture
def make_tone() -> Callable[..., NDArray[np.float32]]:
    """Factory: make_tone(seconds, rate, frequency=440.0, amplitude=0.5)."""
    return _tone


@pytest.fixture
def make_bursts_with_gap() -> Callable[..., NDArray[np.int16]]:
    """Factory: make_bursts_with_gap(rate, seconds, gap_start, gap_seconds)."""
    return _bursts_with_gap


@pytest.fixture
def write_audio(tmp_path: Path) -> Callable[..., Path]:
    """Write samples (frames x channels or mono) to tmp_path in a given format."""

    def write(
        name: str,
        samples: NDArray[np.generic],
        rate: int,
        audio_format: str = "WAV",
        subtype: str | None = None,
    ) -> Path:
        path = tmp_path / name
        sf.write(path, samples, rate, format=audio_format, subtype=subtype)
        return path

    return write


@pytest.fixture
def tone_wav(write_audio: Callable[..., Path]) -> Path:
    """3 s of a 440 Hz tone, 44.1 kHz stereo WAV: needs mixdown and resampling."""
    mono = _tone(3.0, 44_100)
    return write_audio("tone.wav", np.column_stack([mono, mono]), 44_100)


@pytest.fixture
def not_audio(tmp_path: Path) -> Path:
    path = tmp_path / "episode.mp3"
    path.write_text("<html><body>404 Not Found</body></html>\n", encoding="utf-8")
    return path


class FakeEngine:  # pylint: disable=too-few-public-methods
    """Records the chunks it is given and answers with canned texts."""

    name = "fake"

    def __init__(self, answers: list[str] | None = None) -> None:
        self.answers = answers
        self.chunk_sizes: list[int] = []

    def transcribe_chunk(self, pcm: NDArray[np.int16]) -> str:
        self.chunk_sizes.append(pcm.size)
        if self.answers is None:
            return f"chunk{len(self.chunk_sizes)}"
        return self.answers[len(self.chunk_sizes) - 1]


@pytest.fixture
def fake_engine_factory() -> type[FakeEngine]:
    """The FakeEngine class: FakeEngine(answers=None)."""
    return FakeEngine
