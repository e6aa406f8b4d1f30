"""Several processes at once on one store, on both engines (real processes)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from sqlalchemy import Engine

from podcast_pipeline.models import FeedValidators
from podcast_pipeline.store import list_episodes, open_store, store_feed
from tests.store.helpers import FEED, episode

# Each process waits for the same start time, then does its job and prints JSON.
OPEN_AND_CLAIM = """
import json, sys, time
from datetime import timedelta
start, target, job = float(sys.argv[1]), sys.argv[2], sys.argv[3]
from podcast_pipeline.store import claim_downloads, open_store
time.sleep(max(0.0, start - time.time()))
engine = open_store(target)
claimed = []
if job == "claim":
    for _ in range(10):
        batch = claim_downloads(engine, sys.argv[4], 2, timedelta(minutes=5))
        claimed += [claim.guid for claim in batch]
print(json.dumps(claimed))
engine.dispose()
"""


def run_at_once(target: str, job: str, processes: int) -> list[list[str]]:
    # pylint: disable=consider-using-with  # several at once, each waited for
    start = time.time() + 2.0  # after every interpreter has started
    running = [
        subprocess.Popen(  # noqa: S603  (our interpreter, our script)
            [sys.executable, "-c", OPEN_AND_CLAIM, str(start), target, job, f"w{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    results = []
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


def test_four_processes_open_one_fresh_store_at_once(store_target: str) -> None:
    assert run_at_once(store_target, "open", 4) == [[], [], [], []]
    engine = open_store(store_target, create=False)
    assert list_episodes(engine) == []
    engine.dispose()


def test_concurrent_claimers_share_the_episodes_without_overlap(
    store: Engine, store_target: str
) -> None:
    guids = [f"e{n:02d}" for n in range(30)]
    store_feed(store, FEED, [episode(guid) for guid in guids], FeedValidators())
    claimed = run_at_once(store_target, "claim", 4)
    every = [guid for batch in claimed for guid in batch]
    assert sorted(every) == guids  # each episode claimed exactly once
    owners = {row["claim_owner"] for row in list_episodes(store)}
    assert owners <= {"w0", "w1", "w2", "w3"}
