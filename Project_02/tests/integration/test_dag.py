"""The Airflow DAG: a DagBag check and an end-to-end ``dag.test()`` on a local server.

Airflow runs in subprocesses with AIRFLOW_HOME and a SQLite metadata database in
a temporary directory, so the tests are hermetic and Airflow's configuration
never leaks into the other tests.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import Item, rss
from tests.support.server import FaultServer, Route

DAGS = Path(__file__).resolve().parents[2] / "dags"

DAGBAG_SCRIPT = """
import json
if __name__ == "__main__":
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=%r)
    dag = bag.dags.get("podcast_summary")
    print(json.dumps({
        "errors": bag.import_errors,
        "tasks": {
            t.task_id: {
                "upstream": sorted(t.upstream_task_ids),
                "retries": t.retries,
                "timeout": t.execution_timeout.total_seconds(),
                "mapped": t.get_closest_mapped_task_group() is not None
                or "MappedOperator" in type(t).__name__,
                "pool": t.pool,
                "pool_slots": t.pool_slots,
                "backoff": t.retry_exponential_backoff,
                "max_retry_delay": t.max_retry_delay.total_seconds(),
                "label": getattr(t, "map_index_template", None),
            }
            for t in dag.tasks
        },
        "failure_callback": bool(dag.on_failure_callback),
        "schedule": str(dag.schedule),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "params": sorted(dag.params.keys()),
        "max_episodes": dag.params["max_episodes"],
    }))
"""

DAG_TEST_SCRIPT = """
import json, sys
if __name__ == "__main__":  # transcription spawns processes that re-import this
    from airflow.dag_processing.dagbag import DagBag
    dag = DagBag(dag_folder=%r).dags["podcast_summary"]
    run = dag.test(run_conf=json.loads(sys.argv[1]))
    instances = {
        f"{ti.task_id}[{ti.rendered_map_index or ti.map_index}]": ti
        for ti in run.get_task_instances()
    }
    print("RESULT " + json.dumps({
        "state": str(run.state),
        "tasks": {name: str(ti.state) for name, ti in instances.items()},
        "tries": {name: ti.try_number for name, ti in instances.items()},
    }))
"""

# Providers register object-store schemes (the Amazon provider: s3://); the test
# registers fsspec's in-memory file system the same way, as a remote root.
MEMORY_FS = """
from airflow.sdk.io import fs
from fsspec.implementations.memory import MemoryFileSystem
fs._BUILTIN_SCHEME_TO_FS["memory"] = lambda conn_id, options: MemoryFileSystem()
"""


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for a hermetic Airflow: home and metadata DB in a temp dir."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "PODCAST_"))
    }
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "PODCAST_TASK_RETRIES": "0",
        "PODCAST_DATA_DIR": str(home / "never-created"),
        "PODCAST_MAX_EPISODES": "3",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in dags/ from parsing
    }
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env


def run_python(
    script: str, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own script and interpreter)
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def test_dagbag_maps_one_task_per_episode_with_pools_and_retries(
    airflow_env: dict[str, str],
) -> None:
    result = run_python(DAGBAG_SCRIPT % str(DAGS), airflow_env)
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    tasks = info["tasks"]

    assert info["errors"] == {}
    assert {name: task["upstream"] for name, task in tasks.items()} == {
        "prepare_store": [],
        "fetch_feeds": ["prepare_store"],
        "store_episodes": ["fetch_feeds"],
        "select_episodes": ["store_episodes"],
        "downloads_of": ["select_episodes"],
        "backlog_of": ["select_episodes"],
        "transcription_wanted": [],
        "episode.download": ["downloads_of"],
        "episode.transcribe": ["episode.download", "transcription_wanted"],
        "transcribe_backlog": ["backlog_of", "transcription_wanted"],
    }
    mapped = {name for name, task in tasks.items() if task["mapped"]}
    assert mapped == {"episode.download", "episode.transcribe", "transcribe_backlog"}
    assert {
        name: (tasks[name]["pool"], tasks[name]["pool_slots"]) for name in mapped
    } == {
        "episode.download": ("podcast_http", 1),
        "episode.transcribe": ("podcast_transcription", 1),
        "transcribe_backlog": ("podcast_transcription", 1),
    }
    assert {tasks[name]["label"] for name in mapped} == {"{{ episode_label }}"}
    assert all(task["retries"] == 0 for task in tasks.values())  # from the env
    assert all(task["backoff"] == 2.0 for task in tasks.values())
    assert all(task["max_retry_delay"] == 600 for task in tasks.values())
    assert all(task["timeout"] > 0 for task in tasks.values())
    assert info["failure_callback"]
    assert (info["schedule"], info["catchup"], info["max_active_runs"]) == (
        "@daily",
        False,
        1,
    )
    assert info["params"] == [
        "engine",
        "feeds",
        "max_episodes",
        "model_dir",
        "own_transcripts",
        "transcribe",
    ]
    assert info["max_episodes"] == 3  # defaulted from PODCAST_MAX_EPISODES
    assert not Path(airflow_env["PODCAST_DATA_DIR"]).exists()  # parsing did no work


def test_dag_retries_default_to_three(airflow_env: dict[str, str]) -> None:
    env = {
        key: value
        for key, value in airflow_env.items()
        if key != "PODCAST_TASK_RETRIES"
    }
    result = run_python(DAGBAG_SCRIPT % str(DAGS), env)
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert {task["retries"] for task in info["tasks"].values()} == {3}


def dag_test(script: str, env: dict[str, str], conf: dict[str, Any]) -> dict[str, Any]:
    """Run ``dag.test()`` in a fresh interpreter; its run state and task states."""
    result = run_python(script % str(DAGS), env, json.dumps(conf))
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    outcome: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return outcome


def serve_feed(server: FaultServer, *bodies: bytes) -> str:
    """A feed of one episode ``g<n>`` per body; the last one is the newest."""
    items = [
        Item(
            f"Episode {n}",
            guid=f"g{n}",
            audio_url=server.add(f"/e{n}.mp3", Route(body)),
            pub_date=f"Mon, 0{n + 1} Jan 2024 10:00:00 GMT",
        )
        for n, body in enumerate(bodies)
    ]
    return server.add("/feed.xml", Route(rss(items), etag='"v1"'))


def transcriptions(outcome: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """State and try number of each episode's transcription, by guid."""
    return {
        name.removeprefix("episode.transcribe[").split(":")[0]: (
            state,
            outcome["tries"][name],
        )
        for name, state in outcome["tasks"].items()
        if name.startswith("episode.transcribe[")
    }


def sqlite_connection(db_path: Path) -> dict[str, str]:
    """The ``podcasts`` connection naming a SQLite file, as an environment entry."""
    return {
        "AIRFLOW_CONN_PODCASTS": json.dumps(
            {"conn_type": "sqlite", "host": str(db_path)}
        )
    }


def stored_episodes(db_path: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(
            "SELECT guid, download_status, file_path, transcript, transcript_engine, "
            "transcribed_at FROM episodes ORDER BY guid"
        ).fetchall()


def test_dag_test_runs_end_to_end_with_transcription(
    airflow_env: dict[str, str], server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    db_path = tmp_path / "conn" / "podcasts.db"
    data_dir = tmp_path / "data"
    env = airflow_env | sqlite_connection(db_path)
    env["PODCAST_DATA_DIR"] = str(data_dir)  # read when the tasks run
    conf = {"feeds": [serve_feed(server, *[mp3_bytes] * 3)], "max_episodes": 2}

    outcome = dag_test(DAG_TEST_SCRIPT, env, conf)
    assert outcome["state"] == "success", outcome
    states = outcome["tasks"]
    assert states.pop("transcribe_backlog[-1]") == "skipped"  # no backlog: empty map
    assert set(states.values()) == {"success"}
    assert {"episode.download[g2: Episode 2]", "episode.transcribe[g1: Episode 1]"} <= (
        set(outcome["tasks"])
    )  # mapped instances named after their episode
    stored = stored_episodes(db_path)  # at the path from the Airflow connection
    assert [(row[0], row[1]) for row in stored] == [
        ("g0", "pending"),
        ("g1", "downloaded"),
        ("g2", "downloaded"),
    ]
    for _, _, file_path, transcript, engine, transcribed_at in stored[1:]:
        assert Path(file_path).is_relative_to(data_dir / "audio")
        assert Path(file_path).read_bytes() == mp3_bytes
        assert transcript is not None
        assert engine == "pocketsphinx"
        assert transcribed_at.endswith("Z")
    assert list((data_dir / "feeds").iterdir())  # the feed body, via ObjectStoragePath


def test_dag_test_on_a_remote_root_hands_no_local_path_between_tasks(
    airflow_env: dict[str, str], server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    """``memory://`` stands for S3: files exist only in the object store."""
    db_path = tmp_path / "podcasts.db"
    env = airflow_env | sqlite_connection(db_path)
    env["PODCAST_DATA_DIR"] = "memory://podcasts"
    conf = {"feeds": [serve_feed(server, *[mp3_bytes] * 3)], "max_episodes": 1}

    script = DAG_TEST_SCRIPT.replace(
        "    run = ", MEMORY_FS.replace("\n", "\n    ") + "run = "
    )
    outcome = dag_test(script, env, conf)
    assert outcome["state"] == "success", outcome
    [(guid, _, file_path, transcript, engine, _)] = [
        row for row in stored_episodes(db_path) if row[1] == "downloaded"
    ]
    assert guid == "g2"
    assert file_path.startswith("memory:/")  # the object's URL, not a worker's path
    assert transcript is not None
    assert engine == "pocketsphinx"


def test_undecodable_audio_is_refused_at_once_and_the_others_transcribed(
    airflow_env: dict[str, str], server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    """A permanent failure takes one try with retries on (a transient one retries)."""
    db_path = tmp_path / "podcasts.db"
    env = airflow_env | sqlite_connection(db_path)
    env |= {
        "PODCAST_DATA_DIR": str(tmp_path / "data"),
        "PODCAST_TASK_RETRIES": "2",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",
    }
    noise = random.Random(12).randbytes(len(mp3_bytes))  # noqa: S311  (not secret)
    conf = {"feeds": [serve_feed(server, mp3_bytes, noise, mp3_bytes)]}

    outcome = dag_test(DAG_TEST_SCRIPT, env, conf)

    assert outcome["state"] == "success", outcome
    assert transcriptions(outcome) == {
        "g0": ("success", 1),
        "g1": ("skipped", 1),  # one try: refused, not retried
        "g2": ("success", 1),
    }
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute(
            "SELECT guid, transcript IS NOT NULL, transcript_error, "
            "transcript_attempts, transcript_next_attempt_at FROM episodes "
            "ORDER BY guid"
        ).fetchall()
    assert [row[:2] for row in rows] == [("g0", 1), ("g1", 0), ("g2", 1)]
    _, _, error, attempts, next_attempt = rows[1]
    assert "not a readable audio file" in error
    assert (attempts, next_attempt) == (1, None)  # refused: never retried


def test_without_transcription_no_transcribe_instance_runs(
    airflow_env: dict[str, str], server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    """transcribe=false skips one task; the scheduler skips every transcription."""
    db_path = tmp_path / "podcasts.db"
    env = airflow_env | sqlite_connection(db_path)
    env["PODCAST_DATA_DIR"] = str(tmp_path / "data")
    conf = {"feeds": [serve_feed(server, *[mp3_bytes] * 3)], "transcribe": False}

    outcome = dag_test(DAG_TEST_SCRIPT, env, conf)

    assert outcome["state"] == "success", outcome
    assert outcome["tasks"]["transcription_wanted[-1]"] == "skipped"
    downloads = {
        n: s for n, s in outcome["tasks"].items() if n.startswith("episode.download")
    }
    assert set(downloads.values()) == {"success"}
    assert len(downloads) == 3
    # The scheduler skips the task before its expansion (one instance) or after
    # (one per episode), depending on when it looks; either way try 0: never run.
    skipped = set(transcriptions(outcome).values())
    assert skipped == {("skipped", 0)}
    assert [row[1] for row in stored_episodes(db_path)] == ["downloaded"] * 3


def test_a_run_with_transcription_transcribes_the_backlog_of_a_run_without(
    airflow_env: dict[str, str], server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    """Run 1 downloads with transcription off; run 2, nothing new, transcribes."""
    db_path = tmp_path / "podcasts.db"
    env = airflow_env | sqlite_connection(db_path)
    env["PODCAST_DATA_DIR"] = str(tmp_path / "data")
    feed = serve_feed(server, *[mp3_bytes] * 2)

    first = dag_test(DAG_TEST_SCRIPT, env, {"feeds": [feed], "transcribe": False})
    assert first["state"] == "success", first
    assert [row[3] for row in stored_episodes(db_path)] == [None, None]

    second = dag_test(DAG_TEST_SCRIPT, env, {"feeds": [feed]})
    assert second["state"] == "success", second
    downloads = [n for n in second["tasks"] if n.startswith("episode.download")]
    assert downloads == ["episode.download[-1]"]  # nothing new: an empty map
    backlog = {
        n: s for n, s in second["tasks"].items() if n.startswith("transcribe_backlog")
    }
    assert sorted(backlog.values()) == ["success", "success"], second
    rows = stored_episodes(db_path)
    assert all(row[3] is not None and row[4] == "pocketsphinx" for row in rows), rows
