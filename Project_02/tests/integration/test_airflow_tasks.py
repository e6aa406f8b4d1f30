"""The DAG's task functions called directly (no Airflow import): XCom-safe values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from podcast_pipeline import airflow_tasks
from tests.support.media import Item, rss
from tests.support.server import FaultServer, Route


def test_task_functions_chain_with_json_values(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    feed = server.add(
        "/feed.xml",
        Route(
            rss([Item("a", guid="a", audio_url=server.add("/a.mp3", Route(mp3_bytes)))])
        ),
    )
    params: dict[str, Any] = {
        "feeds": [feed],
        "data_dir": str(tmp_path),
        "max_episodes": 5,
        "transcribe": False,
        "engine": "pocketsphinx",
        "model_dir": None,
    }
    db_path = str(tmp_path / "podcasts.db")
    assert airflow_tasks.create_database(params | {"data_dir": str(tmp_path)}) == (
        db_path
    )

    snapshots = airflow_tasks.fetch(params, db_path)
    stored = airflow_tasks.store(db_path, json.loads(json.dumps(snapshots)))
    downloaded = airflow_tasks.download(params, db_path)
    skipped = airflow_tasks.transcribe(params, db_path)
    transcribed = airflow_tasks.transcribe(params | {"transcribe": True}, db_path)

    assert stored["new_episodes"] == 1
    assert downloaded["downloaded"] == 1
    assert skipped == {"skipped": True}
    assert transcribed["transcribed"] == 1
    for value in (snapshots, stored, downloaded, transcribed):
        json.dumps(value)  # XCom needs JSON-serialisable values
