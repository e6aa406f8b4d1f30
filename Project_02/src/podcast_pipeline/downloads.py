"""Download episodes with bounded concurrency; one failure never stops the others."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import requests

from podcast_pipeline.download import DownloadedFile, DownloadPolicy, download_file
from podcast_pipeline.errors import DownloadError, DownloadRefusedError
from podcast_pipeline.paths import episode_audio_path
from podcast_pipeline.storage import PendingDownload

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadOutcome:
    """What happened to one episode's download.

    Attributes:
        episode: The episode that was attempted.
        file: The completed file, or None on failure.
        error: The failure message, or None on success.
        refused: True when the failure is permanent (not retried next run).
        seconds: Wall time spent on this episode.
    """

    episode: PendingDownload
    file: DownloadedFile | None
    error: str | None
    refused: bool
    seconds: float


class _SessionPerThread(threading.local):  # pylint: disable=too-few-public-methods
    """requests.Session is not thread-safe: each worker thread gets its own."""

    def __init__(self) -> None:
        super().__init__()
        self.session = requests.Session()


def download_one(
    episode: PendingDownload,
    audio_dir: Path,
    policy: DownloadPolicy,
    session: requests.Session,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadOutcome:
    """Download one episode, turning any expected failure into an outcome.

    Args:
        episode: The episode to fetch.
        audio_dir: The root directory for audio files.
        policy: Limits and retries.
        session: The HTTP session of the calling thread.
        sleep: Waits between attempts.

    Returns:
        The outcome; never raises for network, HTTP or file-system failures.
    """
    started = time.monotonic()
    try:
        target = episode_audio_path(
            audio_dir, episode.feed_url, episode.guid, episode.audio_url
        )
        downloaded = download_file(
            session, episode.audio_url, target, policy, sleep=sleep
        )
    except DownloadError as error:
        logger.warning("Episode %r: %s", episode.title, error)
        return DownloadOutcome(
            episode,
            None,
            str(error),
            isinstance(error, DownloadRefusedError),
            time.monotonic() - started,
        )
    except OSError as error:
        logger.warning("Episode %r: file system error: %s", episode.title, error)
        return DownloadOutcome(
            episode,
            None,
            f"file system error: {error}",
            False,
            time.monotonic() - started,
        )
    return DownloadOutcome(episode, downloaded, None, False, time.monotonic() - started)


def download_all(
    episodes: Sequence[PendingDownload],
    audio_dir: Path,
    policy: DownloadPolicy,
    *,
    workers: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[DownloadOutcome]:
    """Download episodes on a pool of ``workers`` threads, yielding as each ends.

    Args:
        episodes: What to download.
        audio_dir: The root directory for audio files.
        policy: Limits and retries per file.
        workers: Concurrent downloads (1 = sequential).
        sleep: Waits between attempts.

    Yields:
        One outcome per episode, in completion order.
    """
    if not episodes:
        return
    sessions = _SessionPerThread()
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(episodes))), thread_name_prefix="download"
    ) as pool:
        futures = [
            pool.submit(
                lambda item: download_one(
                    item, audio_dir, policy, sessions.session, sleep
                ),
                episode,
            )
            for episode in episodes
        ]
        for future in as_completed(futures):
            yield future.result()
