"""The Airflow DAG: a DagBag check and an end-to-end ``dag.test()`` on a local server.

Airflow runs in subprocesses with AIRFLOW_HOME and a SQLite metadata database in
a temporary directory, so the tests are hermetic and Airflow's configuration
never leaks into the other tests.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

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
            }
            for t in dag.tasks
        },
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
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    print("RESULT " + json.dumps({"state": str(run.state), "tasks": states}))
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


def test_dagbag_loads_with_the_expected_tasks_wiring_and_retries(
    airflow_env: dict[str, str],
) -> None:
    result = run_python(DAGBAG_SCRIPT % str(DAGS), airflow_env)
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])

    assert info["errors"] == {}
    assert {name: task["upstream"] for name, task in info["tasks"].items()} == {
        "create_database": [],
        "fetch_feeds": ["create_database"],
        "store_episodes": ["create_database", "fetch_feeds"],
        "download_audio": ["create_database", "store_episodes"],
        "transcribe": ["create_database", "download_audio"],
    }
    assert all(task["retries"] == 0 for task in info["tasks"].values())  # from the env
    assert all(task["timeout"] > 0 for task in info["tasks"].values())
    assert (info["schedule"], info["catchup"], info["max_active_runs"]) == (
        "@daily",
        False,
        1,
    )
    assert info["params"] == [
        "data_dir",
        "engine",
        "feeds",
        "max_episodes",
        "model_dir",
        "transcribe",
    ]
    assert info["max_episodes"] == 3  # defaulted from PODCAST_MAX_EPISODES
    assert not Path(airflow_env["PODCAST_DATA_DIR"]).exists()  # parsing did no work


def test_dag_retries_default_to_two(airflow_env: dict[str, str]) -> None:
    env = {
        key: value
        for key, value in airflow_env.items()
        if key != "PODCAST_TASK_RETRIES"
    }
    result = run_python(DAGBAG_SCRIPT % str(DAGS), env)
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert {task["retries"] for task in info["tasks"].values()} == {2}


def serve_feed(server: FaultServer, mp3_bytes: bytes) -> str:
    items = [
        Item(
            f"Episode {n}",
            guid=f"g{n}",
            audio_url=server.add(f"/e{n}.mp3", Route(mp3_bytes)),
            pub_date=f"Mon, 0{n + 1} Jan 2024 10:00:00 GMT",
        )
        for n in range(3)
    ]
    return server.add("/feed.xml", Route(rss(items), etag='"v1"'))


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
    env = airflow_env | {
        "AIRFLOW_CONN_PODCASTS": json.dumps(
            {"conn_type": "sqlite", "host": str(db_path)}
        )
    }
    conf = {
        "feeds": [serve_feed(server, mp3_bytes)],
        "data_dir": str(tmp_path / "data"),
        "max_episodes": 2,
    }

    result = run_python(DAG_TEST_SCRIPT % str(DAGS), env, json.dumps(conf))

    assert result.returncode == 0, result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome["state"] == "success", result.stdout[-3000:]
    assert set(outcome["tasks"].values()) == {"success"}
    stored = stored_episodes(db_path)  # at the path from the Airflow connection
    assert [(row[0], row[1]) for row in stored] == [
        ("g0", "pending"),
        ("g1", "downloaded"),
        ("g2", "downloaded"),
    ]
    for _, _, file_path, transcript, engine, transcribed_at in stored[1:]:
        assert Path(file_path).read_bytes() == mp3_bytes
        assert transcript is not None
        assert engine == "pocketsphinx"
        assert transcribed_at.endswith("Z")
