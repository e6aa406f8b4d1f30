"""PocketSphinx on real read speech: the LJ Speech fireside-chat clip (49.5 s).

PocketSphinx hears, among others: "it is the american people themselves who
are in the driver's seat ... i hope that you have really read the constitution
out the united states ... the articles of confederation under which the
original thirteen states tried to operate after the revolution ...".
"""

from pathlib import Path

import pytest

from podcast_pipeline.transcription import (
    AudioInputError,
    Transcript,
    transcribe_file,
    transcribe_many,
)
from podcast_pipeline.transcription.engines import create_engine
from podcast_pipeline.transcription.transcriber import transcribe_with_engine

pytestmark = pytest.mark.integration

PHRASES = ("american people", "constitution", "united states")
DISTINCTIVE_WORDS = (
    "american",
    "people",
    "constitution",
    "united",
    "states",
    "driver's",
    "bible",
    "document",
    "confederation",
    "thirteen",
    "revolution",
    "national",
)


def assert_recognises_the_passage(text: str) -> None:
    for phrase in PHRASES:
        assert phrase in text, f"{phrase!r} not in {text!r}"
    words = set(text.split())
    heard = [word for word in DISTINCTIVE_WORDS if word in words]
    # Tolerate a few misses in case a different build decodes slightly differently.
    assert len(heard) >= len(DISTINCTIVE_WORDS) - 3, f"only {heard} in {text!r}"


@pytest.fixture(scope="module")
def clip_transcript(lj_speech_clip: Path) -> Transcript:
    return transcribe_file(lj_speech_clip)


def test_pocketsphinx_recognises_the_distinctive_words(
    clip_transcript: Transcript,
) -> None:
    assert clip_transcript.engine == "pocketsphinx"
    assert_recognises_the_passage(clip_transcript.text)
    assert clip_transcript.text.count("american people") >= 2


def test_the_clip_is_decoded_whole_and_recognised_in_chunks(
    clip_transcript: Transcript,
) -> None:
    assert clip_transcript.audio_seconds == pytest.approx(49.47, abs=0.05)
    assert clip_transcript.chunks == 2
    assert "  " not in clip_transcript.text


def test_short_chunks_cut_at_pauses_keep_the_words(lj_speech_clip: Path) -> None:
    transcript = transcribe_with_engine(
        lj_speech_clip,
        create_engine("pocketsphinx"),
        min_chunk_seconds=6,
        max_chunk_seconds=10,
    )

    assert transcript.chunks >= 5
    assert_recognises_the_passage(transcript.text)


def test_transcribe_many_survives_a_corrupt_file_next_to_the_clip(
    lj_speech_clip: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "truncated.mp3"
    corrupt.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(64))

    outcomes = dict(transcribe_many([corrupt, lj_speech_clip], workers=2))

    transcript = outcomes[lj_speech_clip]
    assert isinstance(transcript, Transcript)
    assert_recognises_the_passage(transcript.text)
    assert isinstance(outcomes[corrupt], AudioInputError)
