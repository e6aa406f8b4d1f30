"""Cut a stream of PCM blocks into recognition chunks at the quietest moments."""

from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

DEFAULT_MIN_CHUNK_SECONDS = 20.0
DEFAULT_MAX_CHUNK_SECONDS = 30.0
_FRAME_SECONDS = 0.01
_WINDOW_FRAMES = 20  # energy is smoothed over 200 ms so a cut falls between words


def quietest_cut(samples: NDArray[np.int16], start: int, sample_rate: int) -> int:
    """Find where to cut: in the quietest 200 ms stretch at or after start.

    Args:
        samples: The candidate chunk.
        start: First sample at which a cut is allowed.
        sample_rate: Samples per second.

    Returns:
        The index to cut at, in [start, len(samples)]; len(samples) when the
        searched region is shorter than one frame.
    """
    frame = max(1, round(sample_rate * _FRAME_SECONDS))
    region = samples[start:].astype(np.float64)
    n_frames = region.size // frame
    if n_frames == 0:
        return len(samples)
    energy = np.square(region[: n_frames * frame]).reshape(n_frames, frame).mean(1)
    window = min(_WINDOW_FRAMES, n_frames)
    # "valid" averaging: no zero padding, which would make the edges look quiet.
    smoothed = np.convolve(energy, np.full(window, 1.0 / window), mode="valid")
    # The quietest 200 ms stretch, then its quietest frame: a pause, not a stop
    # consonant's 10 ms of silence inside a word.
    stretch = int(np.argmin(smoothed))
    quietest_frame = stretch + int(np.argmin(energy[stretch : stretch + window]))
    return start + quietest_frame * frame + frame // 2


def split_at_quiet_points(
    blocks: Iterable[NDArray[np.int16]],
    *,
    sample_rate: int,
    min_seconds: float = DEFAULT_MIN_CHUNK_SECONDS,
    max_seconds: float = DEFAULT_MAX_CHUNK_SECONDS,
) -> Iterator[NDArray[np.int16]]:
    """Regroup PCM blocks into chunks of min_seconds to max_seconds, cut in silence.

    Every chunk but the last lasts between min_seconds and max_seconds; each cut
    is placed at the quietest moment of that range, so words are rarely split.
    Only about max_seconds of audio (plus one block) is held at a time.

    Args:
        blocks: Consecutive PCM blocks of any size.
        sample_rate: Samples per second of the blocks.
        min_seconds: Shortest chunk (except the last).
        max_seconds: Longest chunk.

    Yields:
        Chunks whose concatenation equals the concatenation of the blocks.

    Raises:
        ValueError: Unless 0 < min_seconds <= max_seconds.
    """
    if not 0 < min_seconds <= max_seconds:
        raise ValueError(
            f"need 0 < min_seconds <= max_seconds, got {min_seconds}, {max_seconds}"
        )
    min_samples = max(1, round(min_seconds * sample_rate))
    max_samples = max(min_samples, round(max_seconds * sample_rate))
    pending: list[NDArray[np.int16]] = []
    pending_samples = 0
    for block in blocks:
        if block.size == 0:
            continue
        pending.append(block)
        pending_samples += block.size
        while pending_samples >= max_samples:
            buffered = np.concatenate(pending)
            cut = quietest_cut(buffered[:max_samples], min_samples, sample_rate)
            yield buffered[:cut]
            pending = [buffered[cut:].copy()]
            pending_samples = pending[0].size
    if pending_samples:
        yield np.concatenate(pending)
