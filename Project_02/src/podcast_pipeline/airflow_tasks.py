"""What each task of the ``podcast_summary`` DAG does, as plain functions.

The DAG file only wires these together; every function takes the run's params
(a mapping) and returns JSON-serialisable values for XCom. No task hands another
a local path: feed bodies and audio live under the storage root of
:mod:`podcast_pipeline.object_storage`, and the store comes from the Airflow
connection ``podcasts`` (a PostgreSQL connection, or ``sqlite`` naming a file),
both resolved when a task runs. Downloads and transcriptions work on one claimed
episode each; the claim owner is the DAG run, so a retried task may still record
its result. Nothing here imports Airflow at import time.
"""

# Airflow is imported inside the function that reads the connection.
# ruff: noqa: PLC0415
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from podcast_pipeline import object_storage
from podcast_pipeline.config import (
    DOWNLOAD_TASK_TIMEOUT,
    TASK_LEASE_MARGIN,
    TRANSCRIPTION_TASK_TIMEOUT,
    Settings,
    build_settings,
    default_store,
)
from podcast_pipeline.download.pool import DownloadOutcome, download_one
from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.errors import PodcastPipelineError
from podcast_pipeline.models import ClaimedEpisode
from podcast_pipeline.runner import download_policy
from podcast_pipeline.steps.downloads import download_claimed
from podcast_pipeline.steps.feeds import FeedSnapshot, fetch_feeds, store_feeds
from podcast_pipeline.steps.transcripts import (
    TranscribeOptions,
    TranscribeReport,
    transcribe_claimed,
)
from podcast_pipeline.store import (
    claim_for_run,
    describe,
    episode_progress,
    open_store,
    record_download,
    renew_claim,
    store_url,
)

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

logger = logging.getLogger(__name__)

CONNECTION_ID = "podcasts"
DOWNLOAD_LEASE = DOWNLOAD_TASK_TIMEOUT + TASK_LEASE_MARGIN
TRANSCRIPTION_LEASE = TRANSCRIPTION_TASK_TIMEOUT + TASK_LEASE_MARGIN


class EpisodeRefusedError(PodcastPipelineError):
    """A permanent per-episode failure, recorded in the store: do not retry."""


class EpisodeRetryError(PodcastPipelineError):
    """A transient per-episode failure, recorded in the store: retry the task."""


class EpisodeTakenError(PodcastPipelineError):
    """Another run holds the episode now: nothing to do here."""


def episode_failure(
    guid: str, error: str, *, permanent: bool
) -> EpisodeRefusedError | EpisodeRetryError:
    """The exception that ends a mapped task whose episode failed.

    Permanent failures (recorded ``refused``) end it at once; transient ones
    (recorded with a back-off) are worth an Airflow retry.
    """
    message = f"{guid}: {error}"
    return EpisodeRefusedError(message) if permanent else EpisodeRetryError(message)


def transcription_failure(
    guid: str, report: TranscribeReport
) -> EpisodeRefusedError | EpisodeRetryError | None:
    """What a transcription task of one episode raises (None: it succeeded)."""
    if not report.failures:
        return None
    _, error = report.failures[0]
    return episode_failure(guid, error, permanent=report.refused > 0)


def store_target(default: str) -> str:
    """The store: the ``podcasts`` connection, else ``default``.

    A ``sqlite`` connection names the file in its host; any other connection
    (``postgres``) is used as a URL.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        logger.info("No connection %r: using %s", CONNECTION_ID, default)
        return default
    if connection.conn_type == "sqlite":
        return str(Path(connection.host).expanduser()) if connection.host else default
    uri: str = connection.get_uri()
    return uri.replace("postgres://", "postgresql+psycopg://", 1)


def settings_from_params(params: Mapping[str, Any], data_dir: Path) -> Settings:
    """One task's settings: feeds and limits from params, store from the connection."""
    return build_settings(
        os.environ,
        feeds=tuple(params["feeds"]),
        data_dir=data_dir,
        store=store_target(default_store(os.environ, data_dir)),
        max_episodes=int(params["max_episodes"]),
    )


def _local_data_dir() -> Path:
    root = object_storage.storage_root(os.environ)
    return object_storage.local_folder(root) or object_storage.staging_folder()


@contextmanager
def _opened(params: Mapping[str, Any]) -> Iterator[tuple[Settings, Engine]]:
    """The task's settings and its open store (disposed afterwards)."""
    settings = settings_from_params(params, _local_data_dir())
    engine = open_store(settings.store, create=False)
    try:
        yield settings, engine
    finally:
        engine.dispose()


def prepare_store(params: Mapping[str, Any]) -> str:
    """Create or migrate the store; return its description (password hidden)."""
    settings = settings_from_params(params, _local_data_dir())
    open_store(settings.store).dispose()
    where = describe(store_url(settings.store))
    logger.info("Store %s is ready", where)
    return where


def fetch(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Fetch the feeds; bodies go under the storage root, snapshots to XCom."""
    root = object_storage.storage_root(os.environ)
    with (
        _opened(params) as (settings, engine),
        tempfile.TemporaryDirectory(prefix="podcast-feeds-") as scratch,
    ):
        snapshots, report = fetch_feeds(engine, settings.feeds, Path(scratch))
        published = [
            replace(
                snapshot,
                body_path=str(
                    object_storage.publish(
                        Path(snapshot.body_path),
                        root / "feeds" / Path(snapshot.body_path).name,
                    )
                ),
            )
            if snapshot.body_path
            else snapshot
            for snapshot in snapshots
        ]
    for url, message in report.failures:
        logger.error("Feed %s failed: %s", url, message)
    return [snapshot.to_dict() for snapshot in published]


def store(params: Mapping[str, Any], snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """Parse the fetched bodies (read from the storage root); upsert their episodes."""
    with _opened(params) as (_, engine), ExitStack() as copies:
        local = []
        for item in snapshots:
            snapshot = FeedSnapshot.from_dict(item)
            if snapshot.body_path is not None:
                body = copies.enter_context(
                    object_storage.local_copy(
                        object_storage.object_path(snapshot.body_path)
                    )
                )
                snapshot = replace(snapshot, body_path=str(body))
            local.append(snapshot)
        report = store_feeds(engine, local)
    return asdict(report)


def run_owner(run_id: str) -> str:
    """The claim owner of a DAG run: its retried tasks may still record."""
    return f"airflow:{run_id}"


def select(params: Mapping[str, Any], run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Claim this run's work: due downloads and the transcription backlog.

    Up to ``max_episodes`` of each, newest first per feed, feeds in turn; the
    backlog (downloaded, not transcribed, back-off over) only when the run
    transcribes. A retried select returns the claims its first try committed
    and claims nothing more. Each claim is leased for one task's work; a task
    renews it when it starts.
    """
    with _opened(params) as (settings, engine):
        claims = claim_for_run(
            engine,
            run_owner(run_id),
            limit=settings.max_episodes,
            lease=DOWNLOAD_LEASE,
            transcriptions=bool(params.get("transcribe", True)),
        )
    logger.info(
        "Run %s holds %d download(s) and %d transcription(s)",
        run_id,
        len(claims.downloads),
        len(claims.transcriptions),
    )
    return {
        "downloads": [claim.to_dict() for claim in claims.downloads],
        "transcriptions": [claim.to_dict() for claim in claims.transcriptions],
    }


def episode_label(claim: Mapping[str, Any]) -> str:
    """How a mapped task instance is named in the UI: guid and title."""
    title = str(claim.get("title") or "")
    return f"{claim.get('guid')}: {title[:60]}"


def _renewed(engine: Engine, claim: ClaimedEpisode, lease: timedelta) -> ClaimedEpisode:
    renewed = renew_claim(engine, claim, lease)
    if renewed is None:
        raise EpisodeTakenError(f"episode {claim.guid!r} is claimed by another run now")
    return renewed


def download(params: Mapping[str, Any], claim_values: dict[str, Any]) -> dict[str, Any]:
    """Download one claimed episode under the storage root and record it.

    A download cut by a lost worker resumes from its partial file (``If-Range``)
    when the retry finds it: always on a ``file://`` root shared by the workers.

    Raises:
        EpisodeRefusedError: Permanent (404/410, refused URL, too large, not audio).
        EpisodeRetryError: Transient; recorded, and worth an Airflow retry.
        EpisodeTakenError: Another run holds the episode.
    """
    root = object_storage.storage_root(os.environ)
    claim = ClaimedEpisode.from_dict(claim_values)
    with _opened(params) as (settings, engine):
        status, stored_file, _ = episode_progress(engine, claim.episode_id)
        if status == "downloaded" and stored_file:
            logger.info("Episode %s: downloaded by an earlier try, kept", claim.guid)
            return claim.to_dict() | {"file_path": stored_file}
        if status in {"refused", "gave-up"}:
            raise EpisodeRefusedError(f"{claim.guid}: {status} by an earlier try")
        policy = download_policy(settings)
        claim = _renewed(engine, claim, DOWNLOAD_LEASE)
        folder = object_storage.local_folder(root)
        if folder is not None:
            outcome = download_claimed(engine, claim, folder / "audio", policy=policy)
        else:
            outcome = _download_to_remote(engine, claim, root, policy)
    if outcome.file is None:
        raise episode_failure(
            claim.guid, outcome.error or "download failed", permanent=outcome.permanent
        )
    logger.info(
        "Episode %s: %d bytes in %.1f s", claim.guid, outcome.file.size, outcome.seconds
    )
    return claim.to_dict() | {"file_path": str(outcome.file.path)}


def _download_to_remote(
    engine: Engine,
    claim: ClaimedEpisode,
    root: ObjectStoragePath,
    policy: DownloadPolicy,
) -> DownloadOutcome:
    """Download to this worker's staging folder, publish, then record the URL."""
    outcome = download_one(claim, object_storage.staging_folder() / "audio", policy)
    if outcome.file is not None:
        local = outcome.file.path
        target = root / "audio" / local.parent.name / local.name
        object_storage.publish(local, target)
        local.unlink()
        outcome = replace(outcome, file=replace(outcome.file, path=Path(str(target))))
    record_download(
        engine, claim, outcome.file, error=outcome.error, permanent=outcome.permanent
    )
    return outcome


def transcribe(
    params: Mapping[str, Any], claim_values: dict[str, Any]
) -> dict[str, Any]:
    """Transcribe one downloaded episode in this process; record the transcript.

    Celery's pool processes are daemonic and cannot start children, so each
    task transcribes one file in its own process (one pool slot, one CPU).

    Raises:
        EpisodeRefusedError: Permanent: undecodable or missing audio (recorded
            ``refused``; not retried).
        EpisodeRetryError: Transient: the worker process died or the engine
            failed (recorded with a back-off; retried).
        EpisodeTakenError: Another run holds the episode.
    """
    model_dir = params.get("model_dir")
    options = TranscribeOptions(
        engine=str(params.get("engine", "pocketsphinx")),
        model_dir=Path(model_dir) if model_dir else None,
        workers=1,
        lease=TRANSCRIPTION_LEASE,
        own_transcripts=bool(params.get("own_transcripts", False)),
    )
    root = object_storage.storage_root(os.environ)
    with _opened(params) as (_, engine), ExitStack() as copies:
        claim = ClaimedEpisode.from_dict(claim_values)
        if episode_progress(engine, claim.episode_id)[2]:
            logger.info("Episode %s: transcribed by an earlier try, kept", claim.guid)
            return asdict(TranscribeReport(0, 0, 0, 0, 0.0, 0.0))
        claim = _renewed(engine, claim, options.lease)
        if object_storage.local_folder(root) is None and claim.file_path:
            audio = copies.enter_context(
                object_storage.local_copy(object_storage.object_path(claim.file_path))
            )
            claim = replace(claim, file_path=str(audio))
        report = transcribe_claimed(engine, [claim], options)
    failure = transcription_failure(claim.guid, report)
    if failure is not None:
        raise failure
    return asdict(report)


def run_summary(context: Mapping[str, Any]) -> str:
    """One line about a failed run, for the DAG's failure callback."""
    last = context.get("ti")
    where = ""
    if last is not None:
        index = getattr(last, "map_index", -1)
        mapped = f"[{index}]" if isinstance(index, int) and index >= 0 else ""
        tries = getattr(last, "try_number", "?")
        where = f"; last task {last.task_id}{mapped}, try {tries}"
    reason = context.get("reason") or "a task failed"
    return f"podcast_summary run {context.get('run_id')} failed ({reason}){where}"
