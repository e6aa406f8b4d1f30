"""The records transcription returns: light to import (no numpy, no engines)."""

from dataclasses import dataclass
from pathlib import Path

ENGINES: tuple[str, ...] = ("pocketsphinx", "vosk")
"""The speech engines transcribe_file accepts; the first is the default."""


@dataclass(frozen=True)
class Transcript:
    """The text recognised in one audio file, with what it cost.

    Attributes:
        text: The recognised words, chunk texts joined with single spaces.
        engine: The engine's name, one of ENGINES.
        audio_seconds: Duration of the decoded audio.
        processing_seconds: Wall-clock time of decoding plus recognition.
        chunks: How many chunks the audio was recognised in.
    """

    text: str
    engine: str
    audio_seconds: float
    processing_seconds: float
    chunks: int = 0

    @property
    def real_time_factor(self) -> float:
        """Processing seconds per audio second (0.0 for silent, empty audio)."""
        if self.audio_seconds <= 0:
            return 0.0
        return self.processing_seconds / self.audio_seconds


@dataclass(frozen=True)
class TranscriptionProgress:
    """How far the transcription of one file has got; passed to progress callbacks.

    Attributes:
        path: The audio file being transcribed.
        done_seconds: Audio seconds recognised so far.
        total_seconds: The file's duration from its header (0.0 when unknown).
        chunks_done: Chunks recognised so far.
    """

    path: Path
    done_seconds: float
    total_seconds: float
    chunks_done: int

    @property
    def fraction(self) -> float | None:
        """Share of the file done, in [0, 1], or None when the duration is unknown."""
        if self.total_seconds <= 0:
            return None
        return min(1.0, self.done_seconds / self.total_seconds)
