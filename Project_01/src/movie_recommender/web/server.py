"""Run the service: check the address and the data once, then uvicorn's workers."""

import math
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from movie_recommender.errors import MovieRecsError
from movie_recommender.store import open_index
from movie_recommender.web.links import read_links
from movie_recommender.web.metrics import MULTIPROCESS_ENV
from movie_recommender.web.settings import SETTINGS_ENV, ServeSettings

APP_FACTORY = "movie_recommender.web.app:app_from_environment"
SHUTDOWN_GRACE_SECONDS = 5  # beyond the time budget, for answers being sent


def check_address(host: str, port: int) -> None:
    """Make sure the service can listen there before loading anything.

    Raises:
        MovieRecsError: when the address is taken or cannot be bound.
    """
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise MovieRecsError(f"cannot listen on {host}:{port}: {reason}") from error


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """A fresh folder where every worker writes its metrics (several workers)."""
    if workers == 1 or os.environ.get(MULTIPROCESS_ENV):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="movie-recs-metrics-") as folder:
        os.environ[MULTIPROCESS_ENV] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_ENV]


def serve(settings: ServeSettings, announce: Callable[[str], None]) -> None:
    """Serve until SIGTERM or Ctrl+C; in-flight requests finish first.

    The cached index is built (or checked fresh) here, once: workers only map it.

    Args:
        settings: what to serve and how.
        announce: called with one line (the URL) when the workers start.

    Raises:
        InputError: when the data files are missing or invalid.
        MovieRecsError: when the address cannot be bound.
    """
    check_address(settings.host, settings.port)
    started = time.perf_counter()
    open_index(settings.data_dir, settings.index_root)
    read_links(settings.data_dir)
    os.environ[SETTINGS_ENV] = settings.to_json()
    url = f"http://{settings.host}:{settings.port}"
    announce(
        f"serving {settings.data_dir} on {url} with {settings.workers} worker(s) "
        f"(index checked in {time.perf_counter() - started:.1f} s; Ctrl+C stops)"
    )
    with _shared_metrics(settings.workers):
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=None,
            access_log=settings.log_level in ("DEBUG", "INFO"),
            timeout_graceful_shutdown=math.ceil(settings.time_budget)
            + SHUTDOWN_GRACE_SECONDS,
        )
