"""The download step: claim due episodes, download each, record each result.

:func:`download_claimed` is the per-episode step (an Airflow mapped task calls
it with one claim); :func:`download_due` claims and runs many on a thread pool
(the CLI's run, the DAG's single download task).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import Engine

from podcast_pipeline.download.pool import DownloadOutcome, download_one, run_bounded
from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.models import ClaimedEpisode, RetrySchedule
from podcast_pipeline.progress import Progress
from podcast_pipeline.store import (
    claim_downloads,
    new_owner,
    record_download,
    release_claims,
)

logger = logging.getLogger(__name__)

DEFAULT_DOWNLOAD_WORKERS = 4
LEASE_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class DownloadReport:  # pylint: disable=too-many-instance-attributes  # counts
    """What a download step did.

    Attributes:
        attempted: Episodes claimed and tried.
        downloaded: Completed files.
        failed: Transient failures (retried after their back-off).
        refused: Permanent failures (never retried).
        stopped: Downloads cut short by the run stopping (claims given back).
        bytes_transferred: Body bytes received.
        seconds: Wall time of the step.
        failures: ``(title, error)`` of each failed or refused episode.
    """

    attempted: int
    downloaded: int
    failed: int
    refused: int
    bytes_transferred: int
    seconds: float
    stopped: int = 0
    failures: tuple[tuple[str, str], ...] = ()


def download_lease(policy: DownloadPolicy, episodes: int, workers: int) -> timedelta:
    """How long claims for ``episodes`` downloads on ``workers`` threads must last.

    The time limit per file holds (to one read timeout), so the step ends
    within one limit per round of ``workers`` files, plus a margin.
    """
    rounds = max(1, math.ceil(episodes / max(1, workers)))
    per_file = policy.retry.max_total_seconds + policy.retry.read_timeout
    return timedelta(seconds=rounds * per_file) + LEASE_MARGIN


def download_claimed(  # pylint: disable=too-many-arguments  # keyword-only options
    engine: Engine,
    claim: ClaimedEpisode,
    audio_dir: Path,
    *,
    policy: DownloadPolicy | None = None,
    schedule: RetrySchedule | None = None,
    session: requests.Session | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadOutcome:
    """Download one claimed episode and record the result (claim holder only).

    A download stopped by the run is not an attempt: its claim is given back and
    its partial file kept for resuming.

    Returns:
        The outcome (whether or not the claim still held when recording).
    """
    outcome = download_one(
        claim,
        audio_dir,
        policy or DownloadPolicy(),
        session=session,
        stop=stop,
        sleep=sleep,
    )
    if outcome.stopped:
        release_claims(engine, [claim])
        return outcome
    status = record_download(
        engine,
        claim,
        outcome.file,
        error=outcome.error,
        permanent=outcome.permanent,
        schedule=schedule,
    )
    if status is None:  # claim lapsed and taken over: this result does not count
        return replace(outcome, error=outcome.error or "claim lapsed", file=None)
    return outcome


def _tally(outcomes: list[DownloadOutcome], seconds: float) -> DownloadReport:
    done = [o for o in outcomes if o.file is not None]
    refused = [o for o in outcomes if o.file is None and o.permanent]
    stopped = [o for o in outcomes if o.stopped]
    failed = [
        o for o in outcomes if o.file is None and not o.permanent and not o.stopped
    ]
    return DownloadReport(
        attempted=len(outcomes),
        downloaded=len(done),
        failed=len(failed),
        refused=len(refused),
        stopped=len(stopped),
        bytes_transferred=sum(o.file.bytes_transferred for o in done if o.file),
        seconds=seconds,
        failures=tuple((o.episode.title, o.error or "") for o in failed + refused),
    )


def download_due(  # pylint: disable=too-many-arguments,too-many-locals  # options
    engine: Engine,
    audio_dir: Path,
    *,
    max_episodes: int,
    workers: int = DEFAULT_DOWNLOAD_WORKERS,
    policy: DownloadPolicy | None = None,
    schedule: RetrySchedule | None = None,
    progress: Progress | None = None,
    owner: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadReport:
    """Claim up to ``max_episodes`` due episodes and download them, ``workers`` at once.

    Selection is fair (newest first per feed, feeds in turn); every result is
    recorded as soon as it is known. If the step stops early (an exception, a
    timeout), queued downloads are cancelled, running ones stop within one read
    timeout, and every claim not recorded is given back.
    """
    started = time.monotonic()
    policy = policy or DownloadPolicy()
    owner = owner or new_owner()
    lease = download_lease(policy, max_episodes, workers)
    claims = claim_downloads(engine, owner, max_episodes, lease)
    logger.info("%d episodes to download (max %d)", len(claims), max_episodes)
    stop = threading.Event()
    outcomes: list[DownloadOutcome] = []
    if progress is not None:
        progress.begin("downloads", len(claims))

    def work(claim: ClaimedEpisode) -> DownloadOutcome:
        return download_claimed(
            engine,
            claim,
            audio_dir,
            policy=policy,
            schedule=schedule,
            stop=stop,
            sleep=sleep,
        )

    try:
        for outcome in run_bounded(claims, work, workers=workers, stop=stop):
            outcomes.append(outcome)
            if progress is not None:
                progress.step(outcome.episode.title)
    finally:
        finished = {outcome.episode.episode_id for outcome in outcomes}
        release_claims(engine, [c for c in claims if c.episode_id not in finished])
        if progress is not None:
            progress.end()
    return _tally(outcomes, time.monotonic() - started)
