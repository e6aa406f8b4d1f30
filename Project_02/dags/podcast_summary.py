"""Airflow DAG ``podcast_summary``: feeds → SQLite → audio files → transcripts.

Every task calls one function of ``podcast_pipeline.airflow_tasks``; the work is
done there (and is the same as ``podcast-pipeline run``). Parsing this file does
no network or database work: Params default from environment variables only.
"""

# Tasks import the package when they run, so parsing the DAG stays light.
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task

from podcast_pipeline.config import (
    default_data_dir,
    default_feeds,
    default_max_episodes,
)

RETRIES = int(os.environ.get("PODCAST_TASK_RETRIES", "2"))


def _params() -> dict[str, Any]:
    return dict(get_current_context()["params"])


@dag(
    dag_id="podcast_summary",
    description="Record new podcast episodes in SQLite, download and transcribe them.",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["podcasts"],
    default_args={
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
    },
    params={
        "feeds": Param(
            list(default_feeds(os.environ)),
            type="array",
            items={"type": "string"},
            minItems=1,
            description="Feed URLs (default: $PODCAST_FEEDS or the Marketplace feed)",
        ),
        "data_dir": Param(
            str(default_data_dir(os.environ)),
            type="string",
            description="Audio files and feed bodies ($PODCAST_DATA_DIR)",
        ),
        "max_episodes": Param(
            default_max_episodes(os.environ),
            type="integer",
            minimum=0,
            description="Most downloads per run, newest first ($PODCAST_MAX_EPISODES)",
        ),
        "transcribe": Param(True, type="boolean", description="Transcribe downloads"),
        "engine": Param("pocketsphinx", enum=["pocketsphinx", "vosk"]),
        "model_dir": Param(
            None, type=["null", "string"], description="Engine model dir"
        ),
    },
)
def podcast_summary() -> None:
    """Daily: create/migrate the DB, fetch, store, download, transcribe."""

    @task(execution_timeout=timedelta(minutes=5))
    def create_database() -> str:
        from podcast_pipeline import airflow_tasks  # noqa: PLC0415  (keep parsing light)

        return airflow_tasks.create_database(_params())

    @task(execution_timeout=timedelta(minutes=10))
    def fetch_feeds(db_path: str) -> list[dict[str, Any]]:
        from podcast_pipeline import airflow_tasks  # noqa: PLC0415

        return airflow_tasks.fetch(_params(), db_path)

    @task(execution_timeout=timedelta(minutes=10))
    def store_episodes(db_path: str, snapshots: list[dict[str, Any]]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks  # noqa: PLC0415

        return airflow_tasks.store(db_path, snapshots)

    @task(execution_timeout=timedelta(hours=2))
    def download_audio(db_path: str, stored: dict[str, Any]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks  # noqa: PLC0415

        del stored  # a dependency only: download what the store step recorded
        return airflow_tasks.download(_params(), db_path)

    @task(execution_timeout=timedelta(hours=4))
    def transcribe(db_path: str, downloaded: dict[str, Any]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks  # noqa: PLC0415

        del downloaded  # a dependency only
        return airflow_tasks.transcribe(_params(), db_path)

    # TaskFlow passes XComArgs where the functions declare the values they receive.
    db_path = create_database()
    stored = store_episodes(db_path, fetch_feeds(db_path))  # type: ignore[arg-type]
    transcribe(db_path, download_audio(db_path, stored))  # type: ignore[arg-type]


podcast_summary()
