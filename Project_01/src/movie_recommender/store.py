"""Open a data set's index: from the disk cache when fresh, else build and cache it."""

import hashlib
import logging
import time
from pathlib import Path

from movie_recommender.cache import load_index, save_index
from movie_recommender.data_files import dataset_files
from movie_recommender.errors import CacheError
from movie_recommender.index import MovieIndex

logger = logging.getLogger(__name__)


def cache_folder(data_dir: Path, index_root: Path) -> Path:
    """Return the cache folder of a data directory (one per resolved path)."""
    resolved = str(data_dir.resolve())
    key = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:16]
    return index_root / f"{data_dir.resolve().name}-{key}"


def history_folder(data_dir: Path, index_root: Path) -> Path:
    """Return where the history model of a data directory is cached.

    Inside the index's folder, so that rebuilding the index discards it.
    """
    return cache_folder(data_dir, index_root) / "history"


def open_index(
    data_dir: Path, index_root: Path, *, rebuild: bool = False
) -> MovieIndex:
    """Load the cached index of ``data_dir``, (re)building it when needed.

    Args:
        data_dir: folder with movies.csv and ratings.csv (or .parquet).
        index_root: folder holding the caches of all data sets.
        rebuild: ignore any cache and build afresh.

    Raises:
        InputError: when the data files are missing or invalid.
    """
    movies_path, ratings_path = dataset_files(data_dir)
    sources = [movies_path, ratings_path]
    folder = cache_folder(data_dir, index_root)
    if not rebuild:
        started = time.perf_counter()
        try:
            index = load_index(folder, sources)
        except CacheError as error:
            logger.info("building the index (%s)", error)
        else:
            logger.info(
                "loaded the index from %s in %.2f s",
                folder,
                time.perf_counter() - started,
            )
            return index
    # pandas and scikit-learn are imported only to build: a warm start skips them
    from movie_recommender.build import build_index  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
    from movie_recommender.data import read_movies, read_ratings  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    started = time.perf_counter()
    index = build_index(read_movies(movies_path), read_ratings(ratings_path))
    logger.info("built the index in %.2f s", time.perf_counter() - started)
    try:
        save_index(index, sources, folder)
    except OSError as error:
        logger.warning("could not cache the index in %s: %s", folder, error)
    return index
