"""Airflow DAG ``podcast_summary``: feeds → store → one mapped task per episode.

``select`` claims the run's downloads and the transcription backlog earlier runs
left; downloads are transcribed in the same mapped group, the backlog by
``transcribe_backlog``.

Every task calls one function of ``podcast_pipeline.airflow_tasks`` (the same
steps as ``podcast-pipeline run``). The DAG is location-free: files live under
an ``ObjectStoragePath`` root (``PODCAST_DATA_DIR``: a folder or any fsspec URL)
and the store comes from the connection ``podcasts``, both resolved when a task
runs. Downloads and transcriptions are mapped per episode (named by
``map_index_template``), in the pools ``podcast_http`` and
``podcast_transcription``. Parsing this file does no network or database work.
"""

# Tasks import the package when they run, so parsing the DAG stays light.
# ruff: noqa: PLC0415
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task, task_group
from airflow.sdk.exceptions import AirflowSkipException

from podcast_pipeline.config import (
    DOWNLOAD_TASK_TIMEOUT,
    TRANSCRIPTION_TASK_TIMEOUT,
    default_feeds,
    default_max_episodes,
)

HTTP_POOL = "podcast_http"
TRANSCRIPTION_POOL = "podcast_transcription"
RETRIES = int(os.environ.get("PODCAST_TASK_RETRIES", "3"))
LABEL = "episode_label"

logger = logging.getLogger(__name__)


def _params() -> dict[str, Any]:
    return dict(get_current_context()["params"])


def _name_this_instance(claim: dict[str, Any]) -> None:
    """Give the mapped task instance the episode's name (``map_index_template``)."""
    from podcast_pipeline import airflow_tasks

    context: dict[str, Any] = get_current_context()  # type: ignore[assignment]
    context[LABEL] = airflow_tasks.episode_label(claim)


def _episode_step(
    step: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
    claim: dict[str, Any],
) -> dict[str, Any]:
    """Run one episode's step; a refused or taken episode skips the instance.

    Refused (permanent, recorded) ends at once without a retry; a transient
    failure raises, and Airflow retries it with back-off.
    """
    from podcast_pipeline import airflow_tasks

    _name_this_instance(claim)
    try:
        return step(_params(), claim)
    except (
        airflow_tasks.EpisodeRefusedError,
        airflow_tasks.EpisodeTakenError,
    ) as error:
        raise AirflowSkipException(str(error)) from error


def _log_failed_run(context: Any) -> None:
    from podcast_pipeline import airflow_tasks

    logger.error("%s", airflow_tasks.run_summary(context))


@dag(
    dag_id="podcast_summary",
    description="Record new podcast episodes, download and transcribe each one.",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["podcasts"],
    # retry_delay: the deployment's [core] default_task_retry_delay (300 s by
    # default; the local stack uses 20 s), doubled on each retry up to 10 min.
    default_args={
        "retries": RETRIES,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
    on_failure_callback=_log_failed_run,
    params={
        "feeds": Param(
            list(default_feeds(os.environ)),
            type="array",
            items={"type": "string"},
            minItems=1,
            description="Feed URLs (default: $PODCAST_FEEDS or the Marketplace feed)",
        ),
        "max_episodes": Param(
            default_max_episodes(os.environ),
            type="integer",
            minimum=0,
            description="Most downloads per run, newest first ($PODCAST_MAX_EPISODES)",
        ),
        "transcribe": Param(True, type="boolean", description="Transcribe downloads"),
        "own_transcripts": Param(
            False,
            type="boolean",
            description="Speech-to-text even where the publisher offers a transcript",
        ),
        "engine": Param("pocketsphinx", enum=["pocketsphinx", "vosk"]),
        "model_dir": Param(
            None, type=["null", "string"], description="Engine model dir"
        ),
    },
)
def podcast_summary() -> None:
    """Prepare the store, fetch, store, claim; then download+transcribe each episode."""

    @task(execution_timeout=timedelta(minutes=5))
    def prepare_store() -> str:
        from podcast_pipeline import airflow_tasks

        return airflow_tasks.prepare_store(_params())

    @task(execution_timeout=timedelta(minutes=10))
    def fetch_feeds() -> list[dict[str, Any]]:
        from podcast_pipeline import airflow_tasks

        return airflow_tasks.fetch(_params())

    @task(execution_timeout=timedelta(minutes=10))
    def store_episodes(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks

        return airflow_tasks.store(_params(), snapshots)

    @task(execution_timeout=timedelta(minutes=5))
    def select_episodes(stored: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        from podcast_pipeline import airflow_tasks

        del stored  # a dependency only: claim what the store step recorded
        return airflow_tasks.select(_params(), get_current_context()["run_id"])

    # Airflow maps over a task's whole return value only: one small task per list.
    @task(execution_timeout=timedelta(minutes=1))
    def downloads_of(claims: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        return claims["downloads"]

    @task(execution_timeout=timedelta(minutes=1))
    def backlog_of(claims: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        return claims["transcriptions"]

    @task(execution_timeout=timedelta(minutes=1))
    def transcription_wanted() -> None:
        # Skipped when off: the scheduler then skips every episode.transcribe
        # (trigger rule all_success) without starting a process for any.
        if not _params()["transcribe"]:
            raise AirflowSkipException("transcription switched off for this run")

    @task(
        pool=HTTP_POOL,
        map_index_template="{{ episode_label }}",
        execution_timeout=DOWNLOAD_TASK_TIMEOUT,
    )
    def download(claim: dict[str, Any]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks

        return _episode_step(airflow_tasks.download, claim)

    @task(
        pool=TRANSCRIPTION_POOL,
        pool_slots=1,  # one process, one CPU: Celery workers cannot fork a pool
        map_index_template="{{ episode_label }}",
        execution_timeout=TRANSCRIPTION_TASK_TIMEOUT,
    )
    def transcribe(downloaded: dict[str, Any]) -> dict[str, Any]:
        from podcast_pipeline import airflow_tasks

        return _episode_step(airflow_tasks.transcribe, downloaded)

    wanted = transcription_wanted()

    @task_group(group_id="episode")
    def episode(claim: dict[str, Any]) -> None:
        """Download then transcribe one episode (the group is mapped per episode)."""
        transcribed = transcribe(download(claim))  # type: ignore[arg-type]
        wanted.set_downstream(transcribed)

    snapshots = fetch_feeds()
    prepare_store().set_downstream(snapshots)
    claims = select_episodes(store_episodes(snapshots))  # type: ignore[arg-type]
    episode.expand(claim=downloads_of(claims))  # type: ignore[arg-type]
    # What earlier runs downloaded but did not transcribe (transcription off,
    # failed, or their run ended first): transcribed by this run.
    backlog = transcribe.override(task_id="transcribe_backlog").expand(
        downloaded=backlog_of(claims)  # type: ignore[arg-type]
    )
    wanted.set_downstream(backlog)


podcast_summary()
