"""Readiness: each worker loads the index in the background; all must be ready.

With several workers sharing one socket, any of them may answer ``/readyz``. Each
worker that has loaded its index leaves a marker file named after its process id
in a folder ``serve`` shares with them, so that ``/readyz`` says 200 only once every
worker can answer.
"""

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from movie_recommender.errors import MovieRecsError
from movie_recommender.staging import process_alive
from movie_recommender.web.problems import UnavailableError
from movie_recommender.web.service import Service

logger = logging.getLogger(__name__)


class Readiness:
    """Loads the service in a background thread; answers 503 until it is there."""

    def __init__(
        self, load: Callable[[], Service], markers: Path | None = None, workers: int = 1
    ) -> None:
        """Remember how to load (nothing happens before :meth:`start`).

        Args:
            load: returns the loaded service.
            markers: folder of the workers' ready markers (None: one worker).
            workers: how many workers must be ready.
        """
        self._load = load
        self._markers = markers
        self.workers = workers
        self.service: Service | None = None
        self.error: str | None = None

    def start(self) -> None:
        """Load in a daemon thread, so that ``/healthz`` answers meanwhile."""
        threading.Thread(target=self._run, name="load-index", daemon=True).start()

    def _run(self) -> None:
        try:
            self.service = self._load()
        except MovieRecsError as error:
            self.error = str(error)
            logger.error("cannot load the index: %s", error)  # noqa: TRY400  # the message says it all
            return
        if self._markers is not None:
            (self._markers / str(os.getpid())).touch()
        logger.info("ready: %d films", self.service.movies)

    def workers_ready(self) -> int:
        """How many workers have loaded their index (live processes only)."""
        if self._markers is None:
            return int(self.service is not None)
        return sum(
            1
            for marker in self._markers.iterdir()
            if marker.name.isdigit() and process_alive(int(marker.name))
        )

    @property
    def ready(self) -> bool:
        """This worker and every other one can answer."""
        return self.service is not None and self.workers_ready() >= self.workers

    def require(self) -> Service:
        """The loaded service of this worker.

        Raises:
            UnavailableError: while loading, or when loading failed.
        """
        if self.service is None:
            raise UnavailableError(
                f"the index could not be loaded: {self.error}"
                if self.error
                else "the index is still loading; retry shortly"
            )
        return self.service
