"""The DAG on the real distributed stack: a Celery worker killed mid-run loses nothing.

One module-scoped stack (PostgreSQL, Redis, Airflow with the CeleryExecutor and
two workers) under ``.stack/test-<id>``; a dozen episodes on the local feed
server, fault cases included; worker1 is SIGKILLed (its whole process group, as
when a machine dies) while downloads are in flight.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from stack.feed import EpisodeSpec, FeedServer
from stack.layout import StackLayout, load_state
from stack.rest import AirflowApi
from stack.runs import run_conf, trigger_and_wait

from stack import components, postgres, processes
from tests.stack.conftest import stack_command
from tests.support.media import make_mp3

pytestmark = pytest.mark.stack

GOOD = [f"good-{number}" for number in range(7)]
FLAKY = {"flaky-503": ("503",), "flaky-429": ("429",), "flaky-drop": ("drop",)}
DEAD = "dead-404"
MALFORMED = "malformed-url"
RUN_SECONDS = 420
DOWNLOAD = "episode.download"
KILL_WITHIN_SECONDS = 180


def episodes() -> list[EpisodeSpec]:
    """Twelve episodes: distinct MP3 bodies, faults, a 404 and a malformed URL."""
    bodies = {
        guid: make_mp3(40.0, frequency=300.0 + 40 * number)
        for number, guid in enumerate([*GOOD, *FLAKY])
    }
    return [
        *(EpisodeSpec(guid, bodies[guid]) for guid in GOOD[:4]),
        *(
            EpisodeSpec(guid, bodies[guid], faults=faults)
            for guid, faults in FLAKY.items()
        ),
        EpisodeSpec(DEAD, None),
        EpisodeSpec(MALFORMED, b"never served", audio_url="http://[oops/x.mp3"),
        *(EpisodeSpec(guid, bodies[guid]) for guid in GOOD[4:]),
    ]


def descends_from(pid: int, ancestor: int) -> bool:
    """Whether ``ancestor`` is ``pid`` or one of its parents (Linux /proc)."""
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
        except OSError:
            return False
        pid = int(stat.rpartition(")")[2].split()[1])
    return False


def downloads_on(api: AirflowApi, run_id: str, worker_pid: int) -> list[int]:
    """Map indexes of the run's downloads running in ``worker_pid``'s processes."""
    return [
        int(ti["map_index"])
        for ti in api.task_instances(components.DAG_ID, run_id)
        if ti["task_id"] == DOWNLOAD
        and ti["state"] == "running"
        and ti.get("pid")
        and descends_from(int(ti["pid"]), worker_pid)
    ]


def claimed_guids(api: AirflowApi, run_id: str) -> list[str]:
    """The guids of the downloads the run's select task claimed, in map-index order."""
    xcom = api.call(
        "GET",
        f"/dags/{components.DAG_ID}/dagRuns/{run_id}/taskInstances/"
        "select_episodes/xcomEntries/return_value",
        allow_missing=True,
    )
    claims = (xcom or {}).get("value") or {}
    return [claim["guid"] for claim in claims.get("downloads") or []]


def kill_worker1_mid_transfer(
    layout: StackLayout, feed: FeedServer, run_ids: list[str]
) -> str:
    """SIGKILL worker1 and its process tree while one of its downloads is mid-body.

    Mid-body: each of worker1's transfers in flight is 10-80 % sent and no
    delivery finished in the last 1.5 s, so no killed download had its last
    byte. Returns the guid whose transfer was cut.
    """
    pid = processes.read_pid(layout.pid_file("worker1"))
    assert pid is not None
    state = load_state(layout)
    assert state is not None
    api = AirflowApi(components.api_url(state))
    deadline = time.monotonic() + KILL_WITHIN_SECONDS
    guids: list[str] = []
    try:
        while time.monotonic() < deadline:
            time.sleep(0.3)
            if not run_ids:
                continue
            guids = guids or claimed_guids(api, run_ids[0])
            on_worker1 = [guids[index] for index in downloads_on(api, run_ids[0], pid)]
            sent = [feed.deliveries.in_flight.get(guid) for guid in on_worker1]
            cut = [g for g, f in zip(on_worker1, sent, strict=True) if f is not None]
            if (
                cut
                and all(0.1 <= f <= 0.8 for f in sent if f is not None)
                and feed.deliveries.quiet_for(1.5)
            ):
                processes.kill_tree(pid)
                return cut[0]
    finally:
        api.close()
    raise AssertionError("worker1 never had a download mid-transfer")


def stored_episodes(layout: StackLayout, feed_url: str) -> dict[str, dict[str, Any]]:
    state = load_state(layout)
    assert state is not None
    engine = create_engine(postgres.store_url(state))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT guid, download_status, file_path, file_bytes FROM episodes "
                    "WHERE feed_url = :feed_url"
                ),
                {"feed_url": feed_url},
            ).mappings()
            return {row["guid"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def local_path(file_path: str) -> Path:
    return Path(file_path.removeprefix("file://"))


def assert_nothing_lost(layout: StackLayout, feed: FeedServer) -> None:
    """Good episodes delivered once and stored whole; bad ones refused."""
    # Every good episode was delivered exactly once (the server counts), and
    # is recorded in PostgreSQL with a complete file.
    good = [*GOOD, *FLAKY]
    delivered = {guid: feed.deliveries.completed[guid] for guid in good}
    assert delivered == dict.fromkeys(good, 1), (delivered, feed.deliveries.requests)
    stored = stored_episodes(layout, feed.feed_url)
    bodies = {spec.guid: spec.body for spec in episodes()}
    for guid in good:
        assert stored[guid]["download_status"] == "downloaded", stored[guid]
        assert local_path(stored[guid]["file_path"]).read_bytes() == bodies[guid]
    assert stored[DEAD]["download_status"] == "refused"
    assert stored[MALFORMED]["download_status"] == "refused"
    assert feed.deliveries.requests[MALFORMED] == 0

    # No partial file is presented as complete: every audio file in the data
    # folder is one of the recorded downloads, byte for byte.
    recorded = {local_path(stored[guid]["file_path"]) for guid in good}
    folders = {path.parent for path in recorded}
    audio_files = {path for folder in folders for path in folder.iterdir()}
    assert audio_files == recorded


def test_stack_is_up_and_up_again_changes_nothing(stack_layout: StackLayout) -> None:
    before = stack_command(stack_layout.root, "status", "--format", "json")
    again = stack_command(stack_layout.root, "up", "--format", "json")
    assert before.returncode == 0, before.stdout
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(before.stdout)
    env_file = stack_layout.env_file.read_text(encoding="utf-8")
    assert "AIRFLOW_API_URL=http://127.0.0.1:" in env_file
    assert "PODCAST_DB=postgresql+psycopg://podcasts:" in env_file
    assert stack_layout.env_file.stat().st_mode & 0o077 == 0


def test_worker_killed_mid_run_loses_nothing(stack_layout: StackLayout) -> None:
    feed = FeedServer(episodes(), latency=0.2, bytes_per_second=40_000).start()
    run_ids: list[str] = []
    conf = run_conf([feed.feed_url], 12, transcribe=False)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(
                trigger_and_wait,
                stack_layout,
                conf,
                timeout=RUN_SECONDS,
                on_trigger=run_ids.append,
            )
            cut = kill_worker1_mid_transfer(stack_layout, feed, run_ids)
            outcome = running.result(timeout=RUN_SECONDS + 30)
    finally:
        feed.stop()

    states = {
        (ti.task_id, ti.label): (ti.state, ti.try_number)
        for ti in outcome.task_instances
    }
    assert outcome.succeeded, states
    downloads = [ti for ti in outcome.task_instances if ti.task_id == DOWNLOAD]
    assert len(downloads) == 12
    retried = {ti.label.split(":")[0] for ti in downloads if ti.try_number > 1}
    assert cut in retried, states  # the cut download ran again, on worker2
    assert feed.deliveries.requests[cut] >= 2
    assert_nothing_lost(stack_layout, feed)


def test_api_lists_the_pools(stack_layout: StackLayout) -> None:
    state = load_state(stack_layout)
    assert state is not None
    api = AirflowApi(components.api_url(state))
    try:
        pools = {
            pool["name"]: pool["slots"]
            for pool in (api.call("GET", "/pools") or {})["pools"]
        }
    finally:
        api.close()
    assert pools["podcast_http"] == 4
    assert pools["podcast_transcription"] >= 1
