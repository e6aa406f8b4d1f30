"""Decoding to 16 kHz mono int16: resampling, mixdown, formats, bad input."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from podcast_pipeline.errors import InputError
from podcast_pipeline.transcription.audio import (
    TARGET_SAMPLE_RATE,
    iter_pcm16,
    probe,
    to_int16,
)
from podcast_pipeline.transcription.errors import AudioInputError


def decode(path: Path, block_seconds: float = 5.0) -> np.ndarray:
    return np.concatenate(list(iter_pcm16(path, block_seconds=block_seconds)))


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


def test_stereo_44k_becomes_16k_mono_int16_of_same_duration(tone_wav: Path) -> None:
    pcm = decode(tone_wav)

    assert pcm.dtype == np.int16
    assert pcm.ndim == 1
    assert abs(pcm.size - 3 * TARGET_SAMPLE_RATE) <= 2
    assert dominant_frequency(pcm, TARGET_SAMPLE_RATE) == pytest.approx(440, abs=1)


def test_streamed_blocks_join_seamlessly_whatever_the_block_size(
    tone_wav: Path,
) -> None:
    whole = decode(tone_wav, block_seconds=10.0)
    streamed = decode(tone_wav, block_seconds=0.037)

    assert streamed.size == whole.size
    assert np.max(np.abs(streamed.astype(np.int32) - whole)) <= 1


def test_stereo_is_mixed_down_to_the_mean_of_its_channels(
    write_audio: Callable[..., Path], make_tone: Callable[..., np.ndarray]
) -> None:
    left = make_tone(1.0, TARGET_SAMPLE_RATE)
    path = write_audio("opposed.wav", np.column_stack([left, -left]), 16_000)

    assert not decode(path).any()


def test_16k_int16_input_round_trips_exactly(write_audio: Callable[..., Path]) -> None:
    samples = np.random.default_rng(1).integers(-32768, 32767, 16_000, np.int16)
    path = write_audio("exact.wav", samples, TARGET_SAMPLE_RATE, subtype="PCM_16")

    np.testing.assert_array_equal(decode(path, block_seconds=0.3), samples)


def test_mp3_is_decoded_without_ffmpeg(
    write_audio: Callable[..., Path], make_tone: Callable[..., np.ndarray]
) -> None:
    path = write_audio("tone.mp3", make_tone(2.0, 32_000), 32_000, audio_format="MP3")

    assert probe(path).format_name == "MP3"
    pcm = decode(path)
    # MP3 adds encoder padding; the duration stays within a few frames.
    assert abs(pcm.size / TARGET_SAMPLE_RATE - 2.0) < 0.2
    assert dominant_frequency(pcm, TARGET_SAMPLE_RATE) == pytest.approx(440, abs=2)


def test_probe_reads_the_header(tone_wav: Path) -> None:
    info = probe(tone_wav)

    assert (info.sample_rate, info.channels, info.format_name) == (44_100, 2, "WAV")
    assert info.seconds == pytest.approx(3.0)


def test_to_int16_clips_out_of_range_samples() -> None:
    floats = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0], dtype=np.float32)

    assert to_int16(floats).tolist() == [-32768, -32768, 0, 16384, 32767, 32767]


def _missing(tmp: Path) -> Path:
    return tmp / "absent.mp3"


def _directory(tmp: Path) -> Path:
    return tmp


def _empty(tmp: Path) -> Path:
    (tmp / "empty.mp3").touch()
    return tmp / "empty.mp3"


def _html_page(tmp: Path) -> Path:
    (tmp / "page.mp3").write_text("<html><body>Not Found</body></html>")
    return tmp / "page.mp3"


def _html_page_named_wav(tmp: Path) -> Path:
    (tmp / "page.wav").write_text("<html><body>Not Found</body></html>")
    return tmp / "page.wav"


def _garbage_bytes(tmp: Path) -> Path:
    (tmp / "noise.wav").write_bytes(bytes(range(256)) * 40)
    return tmp / "noise.wav"


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (_missing, "audio file not found"),
        (_directory, "not an audio file"),
        (_empty, "is empty"),
        (_html_page, "not a readable audio file.*unrecognised or corrupt"),
        (_html_page_named_wav, "not a readable audio file.*Format not recognised"),
        (_garbage_bytes, "not a readable audio file"),
    ],
    ids=["missing", "directory", "empty", "html-mp3", "html-wav", "garbage-bytes"],
)
def test_bad_input_is_an_input_error_with_one_clear_line(
    tmp_path: Path, make_path: Callable[[Path], Path], message: str
) -> None:
    path = make_path(tmp_path)

    with pytest.raises(AudioInputError, match=message) as caught:
        probe(path)
    with pytest.raises(AudioInputError, match=message):
        next(iter_pcm16(path))
    assert isinstance(caught.value, InputError)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
    assert "does not exist" not in str(caught.value)


def test_truncated_wav_decodes_what_is_there(tone_wav: Path) -> None:
    data = tone_wav.read_bytes()
    tone_wav.write_bytes(data[: len(data) // 2])

    pcm = decode(tone_wav)

    assert 0 < pcm.size < 3 * TARGET_SAMPLE_RATE
    assert sf.info(tone_wav).frames > 0
