"""Run the service: check the address and the data once, then uvicorn's workers."""

import logging
import math
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType

import uvicorn

from movie_recommender.errors import MovieRecsError
from movie_recommender.web.http_protocol import EVENT_LOOP, HTTP_PROTOCOL
from movie_recommender.web.memory import limit_malloc_arenas
from movie_recommender.web.metrics import MULTIPROCESS_ENV
from movie_recommender.web.service import prepare_data
from movie_recommender.web.settings import (
    METRICS,
    READY_MARKERS,
    SETTINGS_ENV,
    ServeSettings,
)

logger = logging.getLogger(__name__)

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
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise MovieRecsError(f"cannot listen on {host}:{port}: {reason}") from error


@contextmanager
def _stopped_gracefully() -> Iterator[None]:
    """Exit quietly (status 0) once uvicorn has shut down on SIGTERM or Ctrl+C.

    After a graceful shutdown, uvicorn raises the signal again for the handler it
    found; this one notes it instead of interrupting the finished process.
    """
    stop_signals = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in stop_signals}
    for number in stop_signals:
        signal.signal(number, _note_stop)
    try:
        yield
    except SystemExit as stop:
        if stop.code:
            raise MovieRecsError(
                f"the server could not start (uvicorn exit status {stop.code}); "
                "see the log above"
            ) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _note_stop(number: int, _frame: FrameType | None) -> None:
    logger.info("stopped on %s", signal.Signals(number).name)


@contextmanager
def _run_folder(settings: ServeSettings) -> Iterator[ServeSettings]:
    """With several workers, a fresh folder they share: metrics and ready markers."""
    if settings.workers == 1:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="movie-recs-serve-") as folder:
        run_dir = Path(folder)
        (run_dir / READY_MARKERS).mkdir()
        (run_dir / METRICS).mkdir()
        previous = os.environ.get(MULTIPROCESS_ENV)
        os.environ[MULTIPROCESS_ENV] = str(run_dir / METRICS)
        try:
            yield replace(settings, run_dir=run_dir)
        finally:
            if previous is None:
                del os.environ[MULTIPROCESS_ENV]
            else:
                os.environ[MULTIPROCESS_ENV] = previous


def serve(settings: ServeSettings, announce: Callable[[str], None]) -> None:
    """Serve until SIGTERM or Ctrl+C; in-flight requests finish first.

    The cached index and history model are built (or checked fresh) here, once:
    workers only map them.

    Args:
        settings: what to serve and how.
        announce: called with one line (the URL) when the workers start.

    Raises:
        InputError: when the data files are missing or invalid.
        MovieRecsError: when the address cannot be bound.
    """
    check_address(settings.host, settings.port)
    started = time.perf_counter()
    prepare_data(settings.data_dir, settings.index_root, rebuild=settings.rebuild)
    url = f"http://{settings.host}:{settings.port}"
    announce(
        f"serving {settings.data_dir} on {url} with {settings.workers} worker(s) "
        f"(data ready in {time.perf_counter() - started:.1f} s; Ctrl+C stops)"
    )
    limit_malloc_arenas()
    with _run_folder(settings) as shared, _stopped_gracefully():
        os.environ[SETTINGS_ENV] = shared.to_json()
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            loop=EVENT_LOOP,
            http=HTTP_PROTOCOL,
            log_config=None,
            access_log=settings.log_level in ("DEBUG", "INFO"),
            timeout_graceful_shutdown=math.ceil(settings.time_budget)
            + SHUTDOWN_GRACE_SECONDS,
        )
