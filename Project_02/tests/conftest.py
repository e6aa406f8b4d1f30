"""Shared fixtures: the local fault-injecting server and generated audio."""

from __future__ import annotations

from collections.abc import Iterator

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
