"""An open store on each engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from podcast_pipeline.store import open_store


@pytest.fixture
def store(store_target: str) -> Iterator[Engine]:
    """A fresh store (SQLite file or PostgreSQL database), disposed afterwards."""
    engine = open_store(store_target)
    yield engine
    engine.dispose()
