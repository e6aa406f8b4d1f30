"""Chunking: lossless, bounded, cut in silence, lazy."""

import itertools
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from podcast_pipeline.transcription.chunking import quietest_cut, split_at_quiet_points

RATE = 1_000  # a low rate keeps the arrays small; the logic is rate-independent


def blocks_of(samples: NDArray[np.int16], sizes: list[int]) -> list[NDArray[np.int16]]:
    cuts = np.cumsum(sizes)[:-1]
    return list(np.split(samples, cuts))


def test_chunks_join_back_into_exactly_the_input() -> None:
    samples = np.random.default_rng(3).integers(-9999, 9999, 95_000, dtype=np.int16)
    sizes = np.random.default_rng(4).integers(1, 7_000, 40).tolist()
    sizes.append(samples.size - sum(sizes))

    chunks = list(
        split_at_quiet_points(
            blocks_of(samples, sizes), sample_rate=RATE, min_seconds=20, max_seconds=30
        )
    )

    np.testing.assert_array_equal(np.concatenate(chunks), samples)
    assert all(20 * RATE <= chunk.size <= 30 * RATE for chunk in chunks[:-1])
    assert 0 < chunks[-1].size <= 30 * RATE


def test_cut_falls_in_the_silent_gap_between_words(
    make_bursts_with_gap: Callable[..., NDArray[np.int16]],
) -> None:
    samples = make_bursts_with_gap(RATE, 50.0, gap_start=24.0, gap_seconds=0.5)

    first, second = split_at_quiet_points(
        [samples], sample_rate=RATE, min_seconds=20, max_seconds=30
    )

    assert 24.0 * RATE <= first.size <= 24.5 * RATE
    assert first.size + second.size == samples.size


def test_short_audio_is_one_chunk_and_no_audio_is_none() -> None:
    samples = np.ones(5 * RATE, dtype=np.int16)
    empty = np.zeros(0, dtype=np.int16)

    assert [c.size for c in split_at_quiet_points([samples], sample_rate=RATE)] == [
        5 * RATE
    ]
    assert not list(split_at_quiet_points([empty, empty], sample_rate=RATE))


def test_endless_input_is_chunked_lazily_in_bounded_pieces() -> None:
    def endless_blocks() -> Iterator[NDArray[np.int16]]:
        rng = np.random.default_rng(5)
        while True:
            yield rng.integers(-100, 100, RATE, dtype=np.int16)

    chunks = itertools.islice(
        split_at_quiet_points(
            endless_blocks(), sample_rate=RATE, min_seconds=2, max_seconds=3
        ),
        100,
    )

    assert all(2 * RATE <= chunk.size <= 3 * RATE for chunk in chunks)


def test_equal_min_and_max_gives_fixed_length_chunks() -> None:
    samples = np.arange(10 * RATE, dtype=np.int16)

    sizes = [
        c.size
        for c in split_at_quiet_points(
            [samples], sample_rate=RATE, min_seconds=3, max_seconds=3
        )
    ]

    assert sizes == [3 * RATE, 3 * RATE, 3 * RATE, 1 * RATE]


@pytest.mark.parametrize(("low", "high"), [(0, 10), (-1, 10), (20, 10)])
def test_invalid_chunk_bounds_are_refused(low: float, high: float) -> None:
    with pytest.raises(ValueError, match="min_seconds"):
        next(
            split_at_quiet_points(
                [np.ones(10, np.int16)],
                sample_rate=RATE,
                min_seconds=low,
                max_seconds=high,
            )
        )


def test_quietest_cut_picks_the_quiet_frame_or_the_end_when_too_short() -> None:
    samples = np.full(1_000, 5_000, dtype=np.int16)
    samples[700:710] = 0

    assert quietest_cut(samples, 100, sample_rate=RATE) == 705
    assert quietest_cut(samples[:105], 100, sample_rate=RATE) == 105
