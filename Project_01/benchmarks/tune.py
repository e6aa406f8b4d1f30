"""Choose the history model's and the peers' settings on the tuning users.

Usage: python -m benchmarks.tune [MOVIELENS_DIR]
Prints NDCG@10 (history and single-seed tasks) and the single-seed popularity
percentile for each setting, on the leave-last-out split of the tuning users only
(never the reporting users of ``movie-recs evaluate``). The defaults in
``movie_recommender.history`` and ``movie_recommender.peers`` come from this table:
the best history NDCG@10 of each model.
"""

import itertools
import os
import sys
import time
from pathlib import Path

from movie_recommender.data import read_movies, read_ratings
from movie_recommender.evaluate import (
    history_ranker,
    measure,
    one_film_ease_ranker,
    peer_rankers,
)
from movie_recommender.history import fit_history
from movie_recommender.peers import ALS, BM25, COSINE, fit_peer
from movie_recommender.splits import (
    LEAVE_LAST_OUT,
    TUNING,
    Split,
    make_split,
    rating_log,
)

SHARED = Path(__file__).resolve().parents[3] / "shared/data/movielens/ml-latest-small"
# (minimum ratings of a modelled film, λ as a multiple of the Gram diagonal's mean,
# binary ratings)
HISTORY_GRID = list(
    itertools.product((1, 3, 10), (2.0, 5.0, 20.0, 50.0), (True, False))
)
PEER_GRID: dict[str, list[dict[str, float]]] = {
    ALS: [
        {"factors": f, "regularization": r, "alpha": a}
        for f, r, a in itertools.product((32, 64, 128), (0.01, 0.1, 1.0), (1.0, 5.0))
    ],
    BM25: [
        {"K": k, "B": b}
        for k, b in itertools.product((20, 50, 100, 200, 500), (0.25, 0.75))
    ],
    COSINE: [{"K": k} for k in (20, 50, 100, 200, 500)],
}


def main() -> None:
    """Print one line per setting."""
    source = Path(
        sys.argv[1] if sys.argv[1:] else os.environ.get("MOVIELENS_DIR", SHARED)
    ).resolve()
    movies = read_movies(source / "movies.csv")
    log = rating_log(movies, read_ratings(source / "ratings.csv", with_times=True))
    split = make_split(log, LEAVE_LAST_OUT, TUNING)
    print(f"leave-last-out, {split.users.size} tuning users")
    print("model                                  history  single  single pop  fit s")
    _history_grid(split)
    _peer_grid(split)


def _history_grid(split: Split) -> None:
    for min_ratings, regularization, binary in HISTORY_GRID:
        started = time.perf_counter()
        model = fit_history(split.train, min_ratings, regularization, binary=binary)
        seconds = time.perf_counter() - started
        found = measure(
            split,
            {
                "history": history_ranker(split, model),
                "single": one_film_ease_ranker(split, model),
            },
        )
        label = f"ease min {min_ratings:2d} lambda {regularization:4g} " + (
            "binary" if binary else "weighted"
        )
        print(
            f"{label:<36} {found['history'].values[:, 0].mean():.4f}  "
            f"{found['single'].values[:, 0].mean():.4f}  "
            f"{found['single'].values[:, 3].mean():10.1f}  {seconds:5.1f}",
            flush=True,
        )


def _peer_grid(split: Split) -> None:
    for name, grid in PEER_GRID.items():
        for params in grid:
            peer = fit_peer(name, split.train, **params)
            history = measure(split, peer_rankers(split, [peer], "history"))[name]
            single = measure(split, peer_rankers(split, [peer], "single-seed"))[name]
            shown = " ".join(f"{key}={value:g}" for key, value in params.items())
            print(
                f"{name + ' ' + shown:<36} {history.values[:, 0].mean():.4f}  "
                f"{single.values[:, 0].mean():.4f}  {single.values[:, 3].mean():10.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
