"""The download step stopping early: queued downloads cancelled, claims given back."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.models import FeedValidators
from podcast_pipeline.retry import RetryPolicy
from podcast_pipeline.steps.downloads import download_due
from podcast_pipeline.store import list_episodes, open_store, store_feed
from tests.store.helpers import FEED, episode
from tests.support.server import Fault, FaultServer, Route

POLICY = DownloadPolicy(retry=RetryPolicy(read_timeout=2), min_free_bytes=0)


class StepTimeoutError(Exception):
    """What Airflow's execution_timeout raises inside the result loop."""


class TimesOutAfterFirst:
    """A progress reporter that raises when the first download is reported."""

    def begin(self, phase: str, total: int) -> None:
        """Nothing to show."""

    def step(self, label: str) -> None:
        raise StepTimeoutError(label)

    def end(self) -> None:
        """Nothing to close."""


def test_a_step_stopped_early_cancels_queued_downloads_and_releases_claims(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    routes = []
    items = []
    for n in range(6):
        slow = Fault("trickle", cut_at=500, delay=0.1)  # ~2 s per file
        routes.append(Route(mp3_bytes, etag=f'"{n}"', faults=[slow]))
        item = episode(f"e{n}", published=f"2024-01-0{n + 1}T00:00:00Z")
        items.append(replace(item, audio_url=server.url(f"/{n}")))
        server.add(f"/{n}", routes[-1])
    engine = open_store(tmp_path / "p.db")
    store_feed(engine, FEED, items, FeedValidators())
    started = time.monotonic()
    with pytest.raises(StepTimeoutError):
        download_due(
            engine,
            tmp_path / "audio",
            max_episodes=6,
            workers=2,
            policy=POLICY,
            progress=TimesOutAfterFirst(),
        )
    assert time.monotonic() - started < 8  # not the ~6 s of the remaining files + more
    requested = [len(route.requests) for route in routes]
    # Two running, at most one more picked up as the first ended; never all six.
    assert 2 <= sum(requested) <= 3
    rows = list_episodes(engine)
    assert {row["claim_owner"] for row in rows} == {None}  # every claim given back
    unfinished = [row for row in rows if row["download_status"] != "downloaded"]
    assert unfinished
    assert {row["download_attempts"] for row in unfinished} == {0}  # not attempts
    assert {row["download_status"] for row in unfinished} == {"pending"}
    engine.dispose()
