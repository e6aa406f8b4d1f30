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
