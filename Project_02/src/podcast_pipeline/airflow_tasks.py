"""What each task of the ``podcast_summary`` DAG does, as plain functions.

The DAG file only wires these together. Each takes the DAG run's params (a
mapping) and returns JSON-serialisable values for XCom. Nothing here imports
Airflow except :func:`store_target`, and only when it runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from podcast_pipeline.config import Settings, build_settings, default_store
from podcast_pipeline.runner import download_policy
from podcast_pipeline.steps.downloads import DEFAULT_DOWNLOAD_WORKERS, download_due
from podcast_pipeline.steps.feeds import FeedSnapshot, fetch_feeds, store_feeds
from podcast_pipeline.steps.transcripts import TranscribeOptions, transcribe_due
from podcast_pipeline.store import describe, open_store, store_url

logger = logging.getLogger(__name__)

CONNECTION_ID = "podcasts"


def store_target(default: str) -> str:
    """The store: the ``podcasts`` connection, else ``default``.

    A ``sqlite`` connection names the file in its host; any other connection
    (``postgres``) is used as a URL.
    """
    # Imported here: only the DAG's tasks run inside Airflow.
    # pylint: disable=import-outside-toplevel
    from airflow.sdk import Connection  # noqa: PLC0415
    from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

    try:
        connection = Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        logger.info("No connection %r: using %s", CONNECTION_ID, default)
        return default
    if connection.conn_type == "sqlite":
        return str(Path(connection.host).expanduser()) if connection.host else default
    uri: str = connection.get_uri()
    return uri.replace("postgres://", "postgresql+psycopg://", 1)


def settings_from_params(
    params: Mapping[str, Any], store_location: str | None = None
) -> Settings:
    """Settings for a DAG run from its params (feeds, data_dir, max_episodes)."""
    data_dir = Path(params["data_dir"]).expanduser()
    return build_settings(
        os.environ,
        feeds=tuple(params["feeds"]),
        data_dir=data_dir,
        store=store_location or store_target(default_store(os.environ, data_dir)),
        max_episodes=int(params["max_episodes"]),
    )


def create_database(params: Mapping[str, Any]) -> str:
    """Create or migrate the store; return its location for the next tasks."""
    settings = settings_from_params(params)
    open_store(settings.store).dispose()
    logger.info("Store %s is ready", describe(store_url(settings.store)))
    return settings.store


def fetch(params: Mapping[str, Any], store_location: str) -> list[dict[str, Any]]:
    """Fetch the feeds; return the snapshots (bodies are saved under the data dir)."""
    settings = settings_from_params(params, store_location)
    engine = open_store(settings.store, create=False)
    try:
        snapshots, report = fetch_feeds(engine, settings.feeds, settings.feeds_dir)
    finally:
        engine.dispose()
    for url, message in report.failures:
        logger.error("Feed %s failed: %s", url, message)
    return [snapshot.to_dict() for snapshot in snapshots]


def store(store_location: str, snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """Parse and upsert the fetched feeds; return the counts."""
    engine = open_store(store_location, create=False)
    try:
        report = store_feeds(
            engine, [FeedSnapshot.from_dict(item) for item in snapshots]
        )
    finally:
        engine.dispose()
    return asdict(report)


def download(params: Mapping[str, Any], store_location: str) -> dict[str, Any]:
    """Claim and download due audio (at most max_episodes); return counts."""
    settings = settings_from_params(params, store_location)
    engine = open_store(settings.store, create=False)
    try:
        report = download_due(
            engine,
            settings.audio_dir,
            max_episodes=settings.max_episodes,
            workers=settings.workers or DEFAULT_DOWNLOAD_WORKERS,
            policy=download_policy(settings),
        )
    finally:
        engine.dispose()
    return asdict(report)


def transcribe(params: Mapping[str, Any], store_location: str) -> dict[str, Any]:
    """Transcribe downloaded episodes unless the run's ``transcribe`` param is off."""
    if not params.get("transcribe", True):
        logger.info("Transcription switched off for this run")
        return {"skipped": True}
    model_dir = params.get("model_dir")
    options = TranscribeOptions(
        engine=str(params.get("engine", "pocketsphinx")),
        model_dir=Path(model_dir) if model_dir else None,
    )
    engine = open_store(store_location, create=False)
    try:
        report = transcribe_due(engine, options)
    finally:
        engine.dispose()
    return asdict(report)
