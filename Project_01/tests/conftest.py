"""Shared fixtures: a tiny MovieLens folder, its engine, and the real data."""

import http.client
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
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


GROUPS = ("Comedy", "Drama", "Horror", "Sci-Fi")


def write_small(folder: Path, users_per_group: int = 15, seed: int = 3) -> Path:
    """A generated MovieLens folder with four tastes, enough to evaluate.

    40 movies, ten per genre; each user loves (4.5 or 5) five to eight movies of
    their genre and gives 1-3 stars to a few others, one film a day.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    movie_lines = ["movieId,title,genres"]
    movie_lines += [
        f"{10 * group + number + 1},Film {group}-{number} ({1990 + number}),{genre}"
        for group, genre in enumerate(GROUPS)
        for number in range(10)
    ]
    (folder / "movies.csv").write_text("\n".join(movie_lines) + "\n", "utf-8")
    rating_lines = ["userId,movieId,rating,timestamp"]
    for user in range(len(GROUPS) * users_per_group):
        group = user % len(GROUPS)
        loved = rng.choice(10, size=int(rng.integers(5, 9)), replace=False)
        others = rng.choice(
            [m for m in range(40) if m // 10 != group], size=4, replace=False
        )
        stars = [rng.choice([4.5, 5.0]) for _ in loved]
        stars += [rng.choice([1.0, 2.0, 3.0]) for _ in others]
        films = [10 * group + int(m) + 1 for m in loved] + [int(m) + 1 for m in others]
        # a user rates one film a day, in a random order (the hold-out is by time)
        days = rng.permutation(len(films))
        rating_lines += [
            f"{user + 1},{film},{star},{1_000_000 + 86_400 * int(day) + user}"
            for film, star, day in zip(films, stars, days, strict=True)
        ]
    (folder / "ratings.csv").write_text("\n".join(rating_lines) + "\n", "utf-8")
    return folder


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    return write_small(tmp_path / "small")


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


def local_get(port: int, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET ``http://127.0.0.1:<port><path>``: status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture
def http_get() -> Callable[[int, str], tuple[int, http.client.HTTPMessage, bytes]]:
    """GET from a server on 127.0.0.1 (port, path): status, headers, body."""
    return local_get


class ServeProcess:
    """A real `movie-recs serve` subprocess on a free loopback port (web tests)."""

    def __init__(self, data_dir: Path, folder: Path, *options: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = folder / "serve.log"
        command = [str(Path(sys.executable).with_name("movie-recs")), "serve"]
        command += ["--data-dir", str(data_dir), "--cache-dir", str(folder / "cache")]
        command += ["--port", str(self.port), "--log-level", "INFO"]
        command += ["--log-file", str(self.log_file), *options]
        # stopped by terminate()  # pylint: disable-next=consider-using-with
        self.process = subprocess.Popen(  # noqa: S603  (our own CLI)
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET ``path``: status, headers and body."""
        return local_get(self.port, path)

    def wait_ready(self, seconds: float = 180) -> None:
        """Poll ``/readyz`` until 200; fail with the server's stderr if it exits."""
        for _ in range(int(seconds * 10)):
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass  # not listening yet
            try:
                self.process.wait(0.1)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"movie-recs serve exited: {self.process.communicate()}")
        pytest.fail(f"movie-recs serve was not ready within {seconds} s")

    def terminate(self) -> int:
        """SIGTERM, then the exit status (killed after 60 s)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        finally:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `movie-recs serve DATA_DIR [options]`; every server is stopped after."""
    started: list[ServeProcess] = []

    def start(data_dir: Path, *options: str) -> ServeProcess:
        folder = tmp_path / f"serve{len(started)}"
        folder.mkdir()
        server = ServeProcess(data_dir, folder, *options)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.terminate()


@pytest.fixture(scope="module")
def movielens_server(
    tmp_path_factory: pytest.TempPathFactory, movielens_dir: Path
) -> Iterator[ServeProcess]:
    """One `movie-recs serve` on ml-latest-small shared by a module's tests."""
    server = ServeProcess(movielens_dir, tmp_path_factory.mktemp("serve"))
    try:
        server.wait_ready()
        yield server
    finally:
        if server.process.poll() is None:
            server.terminate()
