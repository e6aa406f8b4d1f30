"""The real speech clip for the transcription integration tests."""

from pathlib import Path

import pytest

from tests.support.data import SHARED_DATA, shared_file


@pytest.fixture(scope="session")
def lj_speech_clip() -> Path:
    """The 49.5 s LJ Speech clip: $PODCAST_TEST_AUDIO, else the shared data's copy.

    Missing: a failure on CI (CI=true), a skip naming the variable elsewhere.
    """
    return shared_file(
        "PODCAST_TEST_AUDIO", SHARED_DATA / "audio" / "lj-speech-fireside-chat.mp3"
    )
