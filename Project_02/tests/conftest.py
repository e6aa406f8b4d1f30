"""Shared fixtures: the local fault-injecting server and generated audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media import make_mp3
from tests.support.postgres import create_database, postgres_server
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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the whole session (skipped without the binaries)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each engine: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "podcasts.db")
    server: str = request.getfixturevalue("postgres_url")
    return create_database(server)
