"""A DAG run's claims on each store: backlogs, retried selects, retried downloads.

The task functions run here without Airflow: the ``podcasts`` connection is
replaced by the test's store (SQLite file or PostgreSQL database).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from podcast_pipeline import airflow_tasks
from podcast_pipeline.models import FeedValidators
from podcast_pipeline.store import (
    claim_for_run,
    list_episodes,
    open_store,
    store_feed,
)
from tests.store.helpers import FEED, episode, set_columns
from tests.support.media import Item, rss
from tests.support.server import Fault, FaultServer, Route

LEASE = timedelta(minutes=50)


@pytest.fixture
def store(store_target: str) -> Engine:
    return open_store(store_target)


def held_by(engine: Engine, owner: str) -> list[str]:
    return sorted(r["guid"] for r in list_episodes(engine) if r["claim_owner"] == owner)


def test_a_run_claims_due_downloads_and_the_transcription_backlog(
    store: Engine,
) -> None:
    store_feed(store, FEED, [episode(f"g{n}") for n in range(4)], FeedValidators())
    set_columns(store, "g0", download_status="downloaded", file_path="/x/g0.mp3")
    set_columns(store, "g1", download_status="downloaded", transcript="done")
    claims = claim_for_run(store, "run-1", limit=5, lease=LEASE)
    assert sorted(c.guid for c in claims.downloads) == ["g2", "g3"]
    assert [c.guid for c in claims.transcriptions] == ["g0"]
    off = claim_for_run(store, "run-2", limit=5, lease=LEASE, transcriptions=False)
    assert (off.downloads, off.transcriptions) == ([], [])
    store.dispose()


def test_a_retried_select_gets_its_own_claims_back_and_claims_nothing_more(
    store: Engine,
) -> None:
    store_feed(store, FEED, [episode(f"g{n}") for n in range(6)], FeedValidators())
    set_columns(store, "g5", download_status="downloaded", file_path="/x/g5.mp3")
    first = claim_for_run(store, "run-1", limit=2, lease=LEASE)
    # The first try committed, then died before Airflow stored its return value.
    retried = claim_for_run(store, "run-1", limit=2, lease=LEASE)
    assert sorted(c.guid for c in retried.downloads) == sorted(
        c.guid for c in first.downloads
    )
    assert [c.guid for c in retried.transcriptions] == ["g5"]
    assert held_by(store, "run-1") == sorted([c.guid for c in first.downloads] + ["g5"])
    other = claim_for_run(store, "run-2", limit=10, lease=LEASE)
    assert len(other.downloads) == 3  # the rest: nothing stranded, nothing twice
    store.dispose()


def test_a_claim_is_leased_for_one_task_not_for_the_run(store: Engine) -> None:
    store_feed(store, FEED, [episode(f"g{n}") for n in range(40)], FeedValidators())
    claim_for_run(store, "run-1", limit=40, lease=LEASE)
    rows = list_episodes(store)
    expiries = {row["claim_expires_at"] for row in rows}
    assert len(expiries) == 1  # the same single-task lease, whatever the run's size
    store.dispose()


@pytest.fixture
def task_store(
    store_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The task functions use the test's store and a data folder under tmp_path."""
    monkeypatch.setattr(airflow_tasks, "store_target", lambda _default: store_target)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(tmp_path / "data"))
    return store_target


def test_a_retried_download_keeps_the_stored_file_and_fetches_nothing(
    task_store: str, server: FaultServer, mp3_bytes: bytes
) -> None:
    audio = server.add("/e.mp3", Route(mp3_bytes))
    feed = server.add("/feed.xml", Route(rss([Item("E", guid="e", audio_url=audio)])))
    params: dict[str, Any] = {"feeds": [feed], "max_episodes": 5, "transcribe": False}
    airflow_tasks.prepare_store(params)
    airflow_tasks.store(params, airflow_tasks.fetch(params))
    [claim] = airflow_tasks.select(params, "run-1")["downloads"]
    done = airflow_tasks.download(params, claim)
    # The worker died after recording; the retry must not download, and a 404
    # now (the publisher removed the file) must not turn it into "refused".
    server.routes["/e.mp3"].faults.append(Fault("status", status=404))
    again = airflow_tasks.download(params, claim)
    assert again["file_path"] == done["file_path"]
    assert len(server.routes["/e.mp3"].requests) == 1
    engine = open_store(task_store)
    [row] = list_episodes(engine)
    assert (row["download_status"], row["download_attempts"]) == ("downloaded", 1)
    engine.dispose()
