"""Shared fixtures: a tiny MovieLens folder, its engine, and the real data."""

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from movie_recommender.build import build_index
from movie_recommender.data import read_movies, read_ratings
from movie_recommender.engine import Engine

MOVIES = """movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children
2,Toy Story 2 (1999),Adventure|Animation|Children
3,"Godfather, The (1972)",Crime|Drama
4,"Godfather: Part II, The (1974)",Crime|Drama
5,Emma (1996),Romance
6,Emma (1996),Comedy|Drama
7,Obscure Film (1978),Drama
8,Unrated Movie (2000),(no genres listed)
"""

# user, movie, rating: users 1-3 love Toy Story, 3-4 and 6 the Godfathers
RATINGS = [
    (1, 1, 5.0), (1, 2, 5.0), (1, 3, 3.0),
    (2, 1, 4.5), (2, 2, 4.5), (2, 5, 4.0),
    (3, 1, 5.0), (3, 3, 5.0), (3, 4, 5.0),
    (4, 3, 5.0), (4, 4, 4.5), (4, 5, 2.0),
    (5, 2, 4.0), (5, 6, 5.0), (5, 7, 2.0),
    (6, 1, 3.0), (6, 3, 4.5), (6, 4, 5.0), (6, 6, 4.0),
]  # fmt: skip


def write_tiny(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "movies.csv").write_text(MOVIES, encoding="utf-8")
    lines = ["userId,movieId,rating,timestamp"]
    lines += [f"{u},{m},{r},964982703" for u, m, r in RATINGS]
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def tiny_ratings() -> list[tuple[int, int, float]]:
    return RATINGS


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    return write_tiny(tmp_path / "tiny")


@pytest.fixture
def tiny_engine(tiny_dir: Path) -> Engine:
    index = build_index(
        read_movies(tiny_dir / "movies.csv"), read_ratings(tiny_dir / "ratings.csv")
    )
    return Engine(index)


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every cache of the test inside tmp_path."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MOVIE_RECS_CACHE_DIR", str(cache))
    return cache


REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_MOVIELENS = REPOSITORY.parent / "shared/data/movielens/ml-latest-small"


def resolve_movielens_dir() -> tuple[Path, str]:
    """The data folder the integration tests use, and how it was found.

    ``$MOVIELENS_DIR`` (a relative value is resolved from the current directory,
    where the user typed it), else ``../shared/data`` beside the repository.
    """
    value = os.environ.get("MOVIELENS_DIR")
    if value:
        folder = Path(value).expanduser().resolve()
        return folder, f"MOVIELENS_DIR={value} (resolved to {folder})"
    return (
        SHARED_MOVIELENS,
        f"MOVIELENS_DIR is not set and the default {SHARED_MOVIELENS}",
    )


@pytest.fixture(scope="session")
def movielens_dir() -> Path:
    """The real ml-latest-small: skipped when absent, a failure under CI=true."""
    folder, origin = resolve_movielens_dir()
    if not (folder / "ratings.csv").is_file():
        message = (
            f"{origin} has no ratings.csv: the integration tests need ml-latest-small "
            "(set MOVIELENS_DIR, or put the shared data beside the repository)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


def _pandas_classic(
    rows: list[tuple[int, int, float]], movie_id: int
) -> dict[int, float]:
    """The original course algorithm, verbatim, on the tiny ratings."""
    ratings = pd.DataFrame(rows, columns=["userId", "movieId", "rating"])
    liked = ratings[ratings["rating"] > 4]
    similar_users = liked[liked["movieId"] == movie_id]["userId"].unique()
    similar_counts = liked[liked["userId"].isin(similar_users)][
        "movieId"
    ].value_counts()
    similar = similar_counts / len(similar_users)
    similar = similar[similar > 0.10]
    everyone = liked[liked["movieId"].isin(similar.index)]
    share = everyone["movieId"].value_counts() / len(everyone["userId"].unique())
    scores = similar / share
    return {
        int(str(key)): float(value) for key, value in scores.items() if key != movie_id
    }


@pytest.fixture(scope="session")
def pandas_classic() -> Callable[[list[tuple[int, int, float]], int], dict[int, float]]:
    """The original algorithm in pandas, as a reference for exact scores."""
    return _pandas_classic
