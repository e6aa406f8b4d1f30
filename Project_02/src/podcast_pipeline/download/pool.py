"""Download episodes with bounded concurrency; one failure never stops the others."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests

from podcast_pipeline.download.transfer import (
    DownloadPolicy,
    check_audio_url,
    download_file,
)
from podcast_pipeline.errors import DownloadError, DownloadRefusedError
from podcast_pipeline.models import ClaimedEpisode, DownloadedFile
from podcast_pipeline.paths import episode_audio_path

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class DownloadOutcome:
    """What happened to one episode's download.

    Attributes:
        episode: The episode that was attempted.
        file: The completed file, or None on failure.
        error: The failure message, or None on success.
        permanent: The failure will not go away (gone, refused URL, too large,
            not audio): never retried.
        seconds: Wall time spent on this episode.
        stopped: The run stopped before this download ended (not an attempt).
    """

    episode: ClaimedEpisode
    file: DownloadedFile | None
    error: str | None
    permanent: bool
    seconds: float
    stopped: bool = False


class _SessionPerThread(threading.local):  # pylint: disable=too-few-public-methods
    """requests.Session is not thread-safe: each worker thread gets its own."""

    def __init__(self) -> None:
        super().__init__()
        self.session = requests.Session()


SESSIONS = _SessionPerThread()


def download_one(  # pylint: disable=too-many-arguments  # keyword-only hooks
    episode: ClaimedEpisode,
    audio_dir: Path,
    policy: DownloadPolicy,
    *,
    session: requests.Session | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadOutcome:
    """Download one episode, turning any failure into an outcome.

    Args:
        episode: The claimed episode.
        audio_dir: The root directory for audio files.
        policy: Limits, retries and the time limit per file.
        session: The HTTP session (default: one per thread).
        stop: Set when the run stops early.
        sleep: Waits between attempts.

    Returns:
        The outcome; never raises for a per-episode failure (whatever it is).
    """
    started = time.monotonic()

    def failed(message: str, *, permanent: bool = False) -> DownloadOutcome:
        logger.warning("Episode %r: %s", episode.title, message)
        stopped = stop is not None and stop.is_set() and not permanent
        return DownloadOutcome(
            episode, None, message, permanent, time.monotonic() - started, stopped
        )

    # One episode's failure, whatever it is, is recorded on that episode only.
    # pylint: disable=broad-exception-caught
    try:
        url = episode.audio_url or ""
        check_audio_url(url)
        target = episode_audio_path(audio_dir, episode.feed_url, episode.guid, url)
        downloaded = download_file(
            session or SESSIONS.session, url, target, policy, sleep=sleep, stop=stop
        )
    except DownloadRefusedError as error:
        return failed(str(error), permanent=True)
    except DownloadError as error:
        return failed(str(error))
    except OSError as error:
        return failed(f"file system error: {error}")
    except Exception as error:
        logger.debug("Episode %r: unexpected error", episode.title, exc_info=True)
        return failed(f"unexpected error: {type(error).__name__}: {error}")
    return DownloadOutcome(episode, downloaded, None, False, time.monotonic() - started)


def run_bounded(
    items: Sequence[Item],
    work: Callable[[Item], Result],
    *,
    workers: int,
    stop: threading.Event,
) -> Iterator[Result]:
    """Run ``work`` on ``items`` in ``workers`` threads, yielding as each ends.

    When the caller stops early (an exception, a timeout, or it stops
    iterating), ``stop`` is set, queued items are cancelled and the running ones
    are waited for (they watch ``stop`` and end within one read timeout).
    """
    if not items:
        return
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(items))), thread_name_prefix="download"
    )
    try:
        futures = [pool.submit(work, item) for item in items]
        for future in as_completed(futures):
            yield future.result()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
