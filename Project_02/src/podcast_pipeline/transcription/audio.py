"""Decode any audio file soundfile reads into a stream of 16 kHz mono int16 blocks.

The file is read in blocks, mixed down to mono and resampled by one streaming
resampler, so blocks join without seams and memory stays bounded whatever the
file's length.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from numpy.typing import NDArray

from podcast_pipeline.transcription.errors import AudioInputError

logger = logging.getLogger(__name__)

TARGET_SAMPLE_RATE = 16_000
"""The rate the speech engines expect (Hz)."""

DEFAULT_BLOCK_SECONDS = 5.0
_INT16_SCALE = 32768.0  # the scale soundfile uses, so int16 input round-trips


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says about its audio.

    Attributes:
        sample_rate: Samples per second per channel.
        channels: Number of channels.
        seconds: Duration (0.0 when the header does not know it).
        format_name: The container format, e.g. "WAV" or "MP3".
    """

    sample_rate: int
    channels: int
    seconds: float
    format_name: str


def _check_is_nonempty_file(path: Path) -> None:
    if not path.exists():
        raise AudioInputError(f"audio file not found: {path}")
    if not path.is_file():
        raise AudioInputError(f"not an audio file (a directory?): {path}")
    if path.stat().st_size == 0:
        raise AudioInputError(f"audio file is empty (0 bytes): {path}")


def _reason(error: sf.LibsndfileError) -> str:
    # libsndfile says "File does not exist..." for undecodable MP3 data in a
    # file that does exist; say what it means instead.
    if "does not exist" in error.error_string:
        return "unrecognised or corrupt audio data"
    return str(error.error_string).rstrip(".")


def _open(path: Path) -> sf.SoundFile:
    _check_is_nonempty_file(path)
    try:
        return sf.SoundFile(path)
    except sf.LibsndfileError as exc:
        raise AudioInputError(
            f"not a readable audio file: {path} ({_reason(exc)})"
        ) from exc


def probe(path: Path) -> AudioInfo:
    """Read an audio file's header.

    Args:
        path: The audio file.

    Returns:
        Its sample rate, channel count, duration and format.

    Raises:
        AudioInputError: The file is missing, empty or not audio soundfile can read.
    """
    with _open(path) as sound:
        seconds = sound.frames / sound.samplerate if sound.frames > 0 else 0.0
        return AudioInfo(sound.samplerate, sound.channels, seconds, sound.format)


def to_int16(samples: NDArray[np.float32]) -> NDArray[np.int16]:
    """Convert float samples in [-1, 1] to int16 PCM, clipping anything beyond."""
    scaled: NDArray[np.float32] = np.clip(
        samples * _INT16_SCALE, -_INT16_SCALE, _INT16_SCALE - 1
    )
    return np.rint(scaled).astype(np.int16)


def iter_pcm16(
    path: Path, *, block_seconds: float = DEFAULT_BLOCK_SECONDS
) -> Iterator[NDArray[np.int16]]:
    """Yield a file's audio as 16 kHz mono int16 blocks, decoding it block by block.

    Args:
        path: The audio file (any format soundfile reads: WAV, FLAC, OGG, MP3...).
        block_seconds: Length of the blocks read from the file.

    Yields:
        Consecutive blocks of PCM; concatenated they are the whole file.

    Raises:
        AudioInputError: The file is missing, empty, not audio, or fails to decode.
    """
    with _open(path) as sound:
        block_frames = max(1, round(sound.samplerate * block_seconds))
        resampler = None
        if sound.samplerate != TARGET_SAMPLE_RATE:
            resampler = soxr.ResampleStream(
                sound.samplerate, TARGET_SAMPLE_RATE, 1, dtype="float32", quality="HQ"
            )
        logger.debug(
            "decoding %s: %s, %d Hz, %d channel(s)",
            path,
            sound.format,
            sound.samplerate,
            sound.channels,
        )
        while True:
            try:
                block = sound.read(block_frames, dtype="float32", always_2d=True)
            except sf.LibsndfileError as exc:
                raise AudioInputError(
                    f"audio file is corrupt: {path} ({_reason(exc)})"
                ) from exc
            if len(block) == 0:
                break
            mono: NDArray[np.float32] = block.mean(axis=1, dtype=np.float32)
            if resampler is not None:
                mono = resampler.resample_chunk(mono)
            if mono.size:
                yield to_int16(mono)
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if tail.size:
                yield to_int16(tail)
