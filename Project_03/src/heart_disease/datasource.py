"""Where the training data comes from: --data, HEART_DATA, or the download cache."""

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from heart_disease.errors import DataNotFoundError

logger = logging.getLogger(__name__)

DATA_ENV = "HEART_DATA"
CACHE_ENV = "HEART_DISEASE_CACHE"
CACHED_TABLE = "heart_uci.csv"


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """Return the download cache: $HEART_DISEASE_CACHE, else the XDG cache folder.

    Args:
        environ: The environment (``os.environ`` from the CLI).

    Returns:
        The cache directory (not created here).
    """
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV])
    xdg = environ.get("XDG_CACHE_HOME") or os.path.join(  # noqa: PTH118  (str env)
        environ.get("HOME", "~"), ".cache"
    )
    return Path(xdg).expanduser() / "heart-disease"


def resolve_data(explicit: Path | None, environ: Mapping[str, str]) -> Path:
    """Pick the data file of a command: ``--data``, else $HEART_DATA.

    Args:
        explicit: The ``--data`` option, if given.
        environ: The environment.

    Returns:
        The file to read (a relative path is relative to the current folder).

    Raises:
        DataNotFoundError: Neither is given.
    """
    if explicit is not None:
        return explicit
    from_env = environ.get(DATA_ENV)
    if from_env:
        logger.info("using %s=%s", DATA_ENV, from_env)
        return Path(from_env)
    raise DataNotFoundError(f"no data: pass --data PATH or set {DATA_ENV}=PATH")


def resolve_training_data(
    explicit: Path | None, environ: Mapping[str, str], cache_dir: Path
) -> Path:
    """Pick the training file: an explicit path, $HEART_DATA, or the cached download.

    Args:
        explicit: The ``--data`` option, if given.
        environ: The environment.
        cache_dir: The download cache directory.

    Returns:
        The file to train on.

    Raises:
        DataNotFoundError: None of the three is available.
    """
    if explicit is not None or environ.get(DATA_ENV):
        return resolve_data(explicit, environ)
    cached = cache_dir / CACHED_TABLE
    if cached.is_file():
        logger.info("using the downloaded data in %s", cached)
        return cached
    raise DataNotFoundError(
        f"no training data: pass --data PATH, set {DATA_ENV}=PATH, or run "
        f"`heart-disease download` first (cache: {cache_dir})"
    )
