"""Locate the two tables of a MovieLens data directory."""

from pathlib import Path

from movie_recommender.errors import InputError


def dataset_files(data_dir: Path) -> tuple[Path, Path]:
    """Return the movies and ratings files of a data directory (CSV or Parquet).

    Raises:
        InputError: when the directory or one of the two tables is missing.
    """
    if not data_dir.is_dir():
        raise InputError(
            f"data directory not found: {data_dir} "
            "(run `movie-recs download` or pass --data-dir)"
        )
    found = []
    for stem in ("movies", "ratings"):
        candidates = [data_dir / f"{stem}.csv", data_dir / f"{stem}.parquet"]
        existing = [path for path in candidates if path.is_file()]
        if not existing:
            raise InputError(f"missing data file: {candidates[0]}")
        found.append(existing[0])
    return found[0], found[1]
