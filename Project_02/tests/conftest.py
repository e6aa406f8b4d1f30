"""Shared fixtures: the local fault-injecting server, generated audio, real data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media import make_mp3
from tests.support.server import FaultServer


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A fresh HTTP server on 127.0.0.1 with no routes."""
    running = FaultServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def mp3_bytes() -> bytes:
    """Two seconds of generated MP3 audio."""
    return make_mp3(2.0)


@pytest.fixture
def podcast_test_audio() -> Path:
    """The shared speech clip from PODCAST_TEST_AUDIO (skip, or fail under CI)."""
    value = os.environ.get("PODCAST_TEST_AUDIO")
    path = Path(value) if value else None
    if path is None or not path.is_file():
        message = f"PODCAST_TEST_AUDIO is unset or not a file ({value!r})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
