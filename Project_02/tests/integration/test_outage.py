"""Retries that add up: a publisher outage on a fake clock, on each store.

An Airflow retry of a run is not another day's attempt, and an outage shorter
than the schedule's ``give_up_after`` leaves every episode due again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from podcast_pipeline import clock
from podcast_pipeline.models import DownloadedFile, FeedValidators, RetrySchedule
from podcast_pipeline.store import (
    claim_for_run,
    list_episodes,
    open_store,
    record_download,
    renew_claim,
    store_feed,
)
from tests.store.helpers import FEED, episode

LEASE = timedelta(minutes=50)
AIRFLOW_TRIES = 4  # retries 3: the DAG's default


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


@pytest.fixture
def store(store_target: str) -> Engine:
    engine = open_store(store_target)
    store_feed(engine, FEED, [episode(f"e{n}") for n in range(3)], FeedValidators())
    return engine


def run_during_outage(engine: Engine, owner: str) -> int:
    """One DAG run whose every download task fails on each of its Airflow tries."""
    claims = claim_for_run(engine, owner, limit=10, lease=LEASE).downloads
    for claim in claims:
        for _ in range(AIRFLOW_TRIES):
            retried = renew_claim(engine, claim, LEASE)  # what a task does first
            assert retried is not None
            record_download(engine, retried, None, error="HTTP 503")
    return len(claims)


def statuses(engine: Engine) -> dict[str, tuple[str, int]]:
    return {
        row["guid"]: (row["download_status"], row["download_attempts"])
        for row in list_episodes(engine)
    }


def test_airflow_retries_of_one_run_count_one_attempt(
    store: Engine, fake_clock: FakeClock
) -> None:
    assert run_during_outage(store, "airflow:run-1") == 3
    assert set(statuses(store).values()) == {("failed", 1)}
    fake_clock.advance(timedelta(days=1))
    assert run_during_outage(store, "airflow:run-2") == 3
    assert set(statuses(store).values()) == {("failed", 2)}
    store.dispose()


def test_a_day_long_outage_with_hourly_runs_leaves_every_episode_due_again(
    store: Engine, fake_clock: FakeClock
) -> None:
    for hour in range(24):
        run_during_outage(store, f"airflow:hourly-{hour}")
        assert all(s == "failed" for s, _ in statuses(store).values()), hour
        fake_clock.advance(timedelta(hours=1))
    # The publisher is back; within the longest back-off every episode is due.
    fake_clock.advance(RetrySchedule().max_delay)
    claims = claim_for_run(store, "airflow:after", limit=10, lease=LEASE).downloads
    assert sorted(c.guid for c in claims) == ["e0", "e1", "e2"]
    for claim in claims:
        done = DownloadedFile(path=Path(f"/data/{claim.guid}.mp3"), size=1, sha256="0")
        assert record_download(store, claim, done) == "downloaded"
    store.dispose()


def test_an_outage_longer_than_give_up_after_gives_episodes_up(
    store: Engine, fake_clock: FakeClock
) -> None:
    for day in range(8):
        run_during_outage(store, f"airflow:daily-{day}")
        fake_clock.advance(timedelta(days=1))
    assert set(statuses(store).values()) == {("gave-up", 6)}
    store.dispose()
