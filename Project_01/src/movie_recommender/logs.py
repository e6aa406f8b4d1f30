"""Logging setup shared by every entry point (the CLI, the service's workers)."""

import logging
import sys
from pathlib import Path

from movie_recommender.errors import InputError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_LEVEL = "WARNING"


def check_log_file(log_file: Path | None) -> None:
    """Refuse a log file in a missing folder, or a folder (nothing is created).

    Raises:
        InputError: naming the problem.
    """
    if log_file is None:
        return
    if not log_file.parent.is_dir():
        raise InputError(f"--log-file: folder not found: {log_file.parent}")
    if log_file.is_dir():
        raise InputError(f"--log-file: is a folder: {log_file}")


def configure_logging(level: str, log_file: Path | None) -> None:
    """Log at ``level`` to ``log_file`` (appending), else to stderr.

    Raises:
        InputError: when the log file cannot be created (see :func:`check_log_file`).
    """
    check_log_file(log_file)
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
