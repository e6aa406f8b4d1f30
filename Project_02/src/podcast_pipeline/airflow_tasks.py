"""What each task of the ``podcast_summary`` DAG does, as plain functions.

The DAG file only wires these together. Each takes the DAG run's params (a
mapping) and returns JSON-serialisable values for XCom. Nothing here imports
Airflow except :func:`database_path`, and only when it runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from podcast_pipeline.config import DB_FILE_NAME, Settings, build_settings
from podcast_pipeline.pipeline import (
    FeedSnapshot,
    download_episodes,
    fetch_feeds,
    prepare_database,
    store_feeds,
)
from podcast_pipeline.transcribe_step import transcribe_episodes

logger = logging.getLogger(__name__)

CONNECTION_ID = "podcasts"


def database_path(default: Path) -> Path:
    """The SQLite path: the host of the ``podcasts`` connection, else ``default``."""
    # Imported here: only the DAG's tasks run inside Airflow.
    # pylint: disable=import-outside-toplevel
    from airflow.sdk import Connection  # noqa: PLC0415
    from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

    try:
        connection = Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        logger.info("No connection %r: using %s", CONNECTION_ID, default)
        return default
    if not connection.host:
        return default
    return Path(connection.host).expanduser()


def settings_from_params(
    params: Mapping[str, Any], db_path: Path | None = None
) -> Settings:
    """Settings for a DAG run from its params (feeds, data_dir, max_episodes)."""
    data_dir = Path(params["data_dir"]).expanduser()
    return build_settings(
        os.environ,
        feeds=tuple(params["feeds"]),
        data_dir=data_dir,
        db_path=db_path or database_path(data_dir / DB_FILE_NAME),
        max_episodes=int(params["max_episodes"]),
    )


def create_database(params: Mapping[str, Any]) -> str:
    """Create or migrate the database; return its path for the next tasks."""
    settings = settings_from_params(params)
    version = prepare_database(settings.db_path)
    logger.info("Database %s at schema version %d", settings.db_path, version)
    return str(settings.db_path)


def fetch(params: Mapping[str, Any], db_path: str) -> list[dict[str, Any]]:
    """Fetch the feeds; return the snapshots (bodies are saved under the data dir)."""
    settings = settings_from_params(params, Path(db_path))
    snapshots, report = fetch_feeds(
        settings.feeds, settings.db_path, settings.feeds_dir
    )
    for url, message in report.failures:
        logger.error("Feed %s failed: %s", url, message)
    return [snapshot.to_dict() for snapshot in snapshots]


def store(db_path: str, snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """Parse and upsert the fetched feeds; return the counts."""
    report = store_feeds(
        [FeedSnapshot.from_dict(item) for item in snapshots], Path(db_path)
    )
    return asdict(report)


def download(params: Mapping[str, Any], db_path: str) -> dict[str, Any]:
    """Download pending audio (newest first, at most max_episodes); return counts."""
    settings = settings_from_params(params, Path(db_path))
    report = download_episodes(
        settings.db_path,
        settings.audio_dir,
        max_episodes=settings.max_episodes,
        workers=settings.workers,
    )
    return asdict(report)


def transcribe(params: Mapping[str, Any], db_path: str) -> dict[str, Any]:
    """Transcribe downloaded episodes unless the run's ``transcribe`` param is off."""
    if not params.get("transcribe", True):
        logger.info("Transcription switched off for this run")
        return {"skipped": True}
    model_dir = params.get("model_dir")
    report = transcribe_episodes(
        Path(db_path),
        engine=str(params.get("engine", "pocketsphinx")),
        model_dir=Path(model_dir) if model_dir else None,
    )
    return asdict(report)
