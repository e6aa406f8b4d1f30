"""Settings of the web service, checked once, passed to worker processes as JSON."""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from movie_recommender.errors import InputError

SETTINGS_ENV = "MOVIE_RECS_SERVE_SETTINGS"  # how `serve` hands settings to workers
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# Documented caps of the API (README "Web service")
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 200
DEFAULT_RECOMMENDATIONS = 10
DEFAULT_MATCHES = 5
READY_MARKERS = "ready"  # in run_dir: one empty file per ready worker
METRICS = "metrics"  # in run_dir: the workers' Prometheus values
SHARED_ANSWERS = "answers"  # in run_dir: answers any worker computed
PATHS = ("data_dir", "index_root", "log_file", "run_dir")

# The range of every numeric setting, checked once in ServeSettings
RANGES: dict[str, tuple[float, float]] = {
    "port": (1, 65535),
    "workers": (1, 64),
    "max_in_flight": (1, 10_000),
    "time_budget": (0.01, 300),
    "threads": (1, 64),
    "cache_mb": (0, 65536),
}


@dataclass(frozen=True)
# every knob of `serve`  # pylint: disable-next=too-many-instance-attributes
class ServeSettings:
    """Where the data is, where to listen, and how much load to accept.

    Attributes:
        data_dir: MovieLens folder (movies, ratings, optionally links.csv).
        index_root: folder of the cached indexes (shared with the other commands).
        host: interface to listen on.
        port: TCP port (1-65535).
        workers: worker processes; each maps the same cached index.
        max_in_flight: API requests one worker processes at once; beyond, 503.
        time_budget: seconds an API request may take; beyond, 503.
        threads: threads per worker computing answers (the rest wait their turn).
        cache_mb: size of each worker's answer cache, in MiB (0 disables it).
        log_level: ``DEBUG``, ``INFO``, ``WARNING`` or ``ERROR``.
        log_file: log to this file instead of stderr.
        rebuild: rebuild the cached index before serving.
        run_dir: set by ``serve`` for several workers: the folder they share
            (metrics, ready markers, answers); None with one worker.
    """

    data_dir: Path
    index_root: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_in_flight: int = 64
    time_budget: float = 2.0
    threads: int = 4
    cache_mb: float = 64.0
    log_level: str = "WARNING"
    log_file: Path | None = None
    rebuild: bool = False
    run_dir: Path | None = None

    def __post_init__(self) -> None:
        """Refuse values outside their documented ranges.

        Raises:
            InputError: naming the option and its range.
        """
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                option = "--" + name.replace("_", "-")
                raise InputError(f"{option} must be in {low}..{high} (got {value})")
        if self.log_level not in LOG_LEVELS:
            raise InputError(f"unknown log level {self.log_level!r}")

    @property
    def cache_bytes(self) -> int:
        """The answer cache's size in bytes."""
        return int(self.cache_mb * 1024 * 1024)

    def to_json(self) -> str:
        """Serialise for the worker processes (paths as absolute strings)."""
        values: dict[str, Any] = asdict(self)
        for name in PATHS:
            if values[name] is not None:
                values[name] = str(Path(values[name]).resolve())
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> "ServeSettings":
        """Rebuild settings written by :meth:`to_json`."""
        values: dict[str, Any] = json.loads(text)
        for name in PATHS:
            if values[name] is not None:
                values[name] = Path(values[name])
        return cls(**values)

    @classmethod
    def from_environment(cls) -> "ServeSettings":
        """The settings `serve` put in the environment of its workers.

        Raises:
            InputError: when the variable is missing (not started by `serve`).
        """
        text = os.environ.get(SETTINGS_ENV)
        if not text:
            raise InputError(
                f"{SETTINGS_ENV} is not set: start the service with `movie-recs serve`"
            )
        return cls.from_json(text)
