"""Read and validate the MovieLens tables (CSV, or Parquet detected by content)."""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from movie_recommender.errors import InputError

logger = logging.getLogger(__name__)

MOVIE_COLUMNS = ("movieId", "title", "genres")
RATING_COLUMNS = ("userId", "movieId", "rating")
TIMESTAMP = "timestamp"
LOWEST_RATING, HIGHEST_RATING = 0.5, 5.0  # MovieLens stars
_MAGIC = {
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
}


@dataclass(frozen=True)
class Movies:
    """The movie catalogue, one row per movieId (sorted by movieId)."""

    movie_ids: npt.NDArray[np.int64]
    titles: list[str]
    genres: list[str]


@dataclass(frozen=True)
class Ratings:
    """One row per (user, movie) rating; ``timestamps`` (seconds) when read."""

    user_ids: npt.NDArray[np.int64]
    movie_ids: npt.NDArray[np.int64]
    ratings: npt.NDArray[np.float32]
    timestamps: npt.NDArray[np.int64] | None = None


def sniff_format(path: Path) -> str:
    """Tell CSV from Parquet and Excel by the file's first bytes.

    Returns:
        ``"csv"`` or ``"parquet"``.

    Raises:
        InputError: when the file is missing, empty or an Excel workbook.
    """
    if not path.is_file():
        raise InputError(f"missing data file: {path}")
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise InputError(f"{path.name} is empty: {path}")
    found = _MAGIC.get(head)
    if found == _MAGIC[b"PAR1"]:
        return "parquet"
    if found:
        raise InputError(
            f"{path.name} is {found}, not a CSV file: export it as CSV ({path})"
        )
    return "csv"


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    kind = sniff_format(path)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
            header = list(frame.columns)
        else:
            header = list(pd.read_csv(path, nrows=0).columns)
        missing = [name for name in columns if name not in header]
        if missing:
            raise InputError(f"{path.name} is missing columns: {', '.join(missing)}")
        if kind == "parquet":
            return frame[list(columns)]
        return pd.read_csv(path, usecols=list(columns), engine="pyarrow")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputError(f"cannot read {path.name} as {kind}: {error}") from error


def _check_keys(frame: pd.DataFrame, name: str, keys: tuple[str, ...]) -> None:
    for column in keys:
        empty = int(frame[column].isna().sum())
        if empty:
            raise InputError(f"{name} has {empty} empty values in key column {column}")


def _as_numeric(frame: pd.DataFrame, name: str, column: str) -> npt.NDArray[np.float64]:
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise InputError(f"{name} column {column} is not numeric")
    return frame[column].to_numpy(dtype=np.float64)


def _as_ids(frame: pd.DataFrame, name: str, column: str) -> npt.NDArray[np.int64]:
    values = _as_numeric(frame, name, column)
    ids = values.astype(np.int64)
    if not np.array_equal(ids, values):
        raise InputError(f"{name} column {column} holds non-integer ids")
    return ids


def read_movies(path: Path) -> Movies:
    """Read and validate ``movies.csv`` (movieId, title, genres).

    Raises:
        InputError: missing file or columns, empty keys or duplicate movieIds.
    """
    frame = _read_table(path, MOVIE_COLUMNS)
    _check_keys(frame, path.name, ("movieId", "title"))
    movie_ids = _as_ids(frame, path.name, "movieId")
    order = np.argsort(movie_ids, kind="stable")
    movie_ids = movie_ids[order]
    duplicated = np.flatnonzero(movie_ids[1:] == movie_ids[:-1])
    if duplicated.size:
        raise InputError(
            f"{path.name} has duplicate movieIds, e.g. {movie_ids[duplicated[0]]}"
        )
    titles = frame["title"].astype(str).to_numpy()[order].tolist()
    genres = frame["genres"].fillna("(no genres listed)").astype(str).to_numpy()
    return Movies(movie_ids, titles, genres[order].tolist())


def read_ratings(path: Path, *, with_times: bool = False) -> Ratings:
    """Read and validate ``ratings.csv`` (userId, movieId, rating[, timestamp]).

    Args:
        path: the ratings file.
        with_times: also read the ``timestamp`` column (the evaluation's
            hold-out is by time); the index does not need it.

    Raises:
        InputError: missing file or columns, no rows, empty keys, non-numeric
            values, ratings outside 0.5-5.
    """
    columns = (*RATING_COLUMNS, TIMESTAMP) if with_times else RATING_COLUMNS
    frame = _read_table(path, columns)
    if frame.empty:
        raise InputError(f"{path.name} has no ratings, only a header: {path}")
    _check_keys(frame, path.name, columns)
    ratings = _as_numeric(frame, path.name, "rating")
    _check_rating_range(ratings, frame, path.name)
    return Ratings(
        user_ids=_as_ids(frame, path.name, "userId"),
        movie_ids=_as_ids(frame, path.name, "movieId"),
        ratings=ratings.astype(np.float32),
        timestamps=_as_ids(frame, path.name, TIMESTAMP) if with_times else None,
    )


def _check_rating_range(
    ratings: npt.NDArray[np.float64], frame: pd.DataFrame, name: str
) -> None:
    outside = np.flatnonzero((ratings < LOWEST_RATING) | (ratings > HIGHEST_RATING))
    if outside.size:
        first = frame.iloc[int(outside[0])]
        raise InputError(
            f"{name} has {outside.size} ratings outside {LOWEST_RATING:g}-"
            f"{HIGHEST_RATING:g}, e.g. userId {int(first['userId'])}, movieId "
            f"{int(first['movieId'])}, rating {float(first['rating']):g}"
        )
