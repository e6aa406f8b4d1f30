"""Where data sets and caches live by default (arguments always win)."""

import os
from pathlib import Path

DEFAULT_DATASET = "ml-latest-small"
CACHE_ENV = "MOVIE_RECS_CACHE_DIR"
DATA_ENV = "MOVIELENS_DIR"


def default_cache_root() -> Path:
    """Return the cache root: ``$MOVIE_RECS_CACHE_DIR``, else the XDG cache."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "movie-recs"


def default_download_dir() -> Path:
    """Return the folder into which ``download`` unpacks data sets."""
    return default_cache_root() / "datasets"


def default_data_dir() -> Path:
    """Return ``$MOVIELENS_DIR`` if set, else the downloaded ml-latest-small."""
    explicit = os.environ.get(DATA_ENV)
    if explicit:
        return Path(explicit)
    return default_download_dir() / DEFAULT_DATASET


def default_index_dir() -> Path:
    """Return the folder of the precomputed indexes (one subfolder per data set)."""
    return default_cache_root() / "index"
