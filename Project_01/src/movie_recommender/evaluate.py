"""Offline quality: hide one loved movie per user, seed with another, count hits@k."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.algorithms import (
    DEFAULT_SETTINGS,
    Recommender,
    genre_matrix,
)
from movie_recommender.errors import InputError
from movie_recommender.options import ALGORITHMS, Settings
from movie_recommender.preferences import sort_columns, sort_rows

logger = logging.getLogger(__name__)

LOVED_ABOVE = 4.0  # a loved movie is rated 4.5 or 5.0, as in the original
PAIR = 2  # one hidden movie and one seed per user
POPULARITY = "popularity"


@dataclass(frozen=True)
class Split:
    """One random hold-out: for each user, a hidden loved movie and a seed."""

    users: npt.NDArray[np.int64]
    held_out: npt.NDArray[np.int64]
    seeds: npt.NDArray[np.int64]
    train: sp.csr_matrix


@dataclass(frozen=True)
class Evaluation:
    """Hit rate@k of each algorithm (rows) for each random seed (columns)."""

    k: int
    random_seeds: list[int]
    users: list[int]
    hit_rates: dict[str, list[float]]

    def mean(self, algorithm: str) -> float:
        """Average hit rate of one algorithm over the random seeds."""
        return float(np.mean(self.hit_rates[algorithm]))


def holdout_split(by_user: sp.csr_matrix, random_seed: int) -> Split:
    """Pick, for every user with two loved movies, one to hide and one to seed with.

    The hidden ratings are removed from the training matrix.
    """
    rng = np.random.default_rng(random_seed)
    users, held_out, seeds = [], [], []
    for user in range(by_user.shape[0]):
        start, end = by_user.indptr[user], by_user.indptr[user + 1]
        loved = by_user.indices[start:end][by_user.data[start:end] > LOVED_ABOVE]
        if loved.size < PAIR:
            continue
        hidden, seed = rng.choice(np.sort(loved), size=PAIR, replace=False)
        users.append(user)
        held_out.append(int(hidden))
        seeds.append(int(seed))
    hidden_mask = sp.coo_matrix(
        (np.ones(len(users)), (np.array(users), np.array(held_out))),
        shape=by_user.shape,
    )
    train = sp.csr_matrix(by_user - by_user.multiply(hidden_mask))
    train.eliminate_zeros()
    return Split(
        np.array(users, dtype=np.int64),
        np.array(held_out, dtype=np.int64),
        np.array(seeds, dtype=np.int64),
        train,
    )


Ranker = Callable[[int], npt.NDArray[np.int64]]


def hit_rate(split: Split, rank: Ranker, k: int) -> float:
    """Share of users whose hidden movie is in the top k for their seed.

    Movies the user already rated in the training data are skipped, as a
    recommender would not suggest what the user has seen.
    """
    hits = 0
    for user, hidden, seed in zip(
        split.users, split.held_out, split.seeds, strict=True
    ):
        ranked = rank(int(seed))
        seen = split.train.indices[
            split.train.indptr[user] : split.train.indptr[user + 1]
        ]
        fresh = ranked[~np.isin(ranked, seen)][:k]
        hits += int(hidden in fresh)
    return hits / max(len(split.users), 1)


def _rankers(
    train: sp.csr_matrix, genres: sp.csr_matrix, settings: Settings
) -> dict[str, Ranker]:
    by_item = sort_columns(train.tocsc())
    train = sort_rows(train)
    recommender = Recommender(train, by_item, genres)
    counts = np.diff(by_item.indptr)
    by_popularity = np.lexsort((np.arange(counts.size), -counts)).astype(np.int64)

    def popular(seed: int) -> npt.NDArray[np.int64]:
        ranked: npt.NDArray[np.int64] = by_popularity[by_popularity != seed]
        return ranked

    def by_algorithm(name: str) -> Ranker:
        def rank(seed: int) -> npt.NDArray[np.int64]:
            return recommender.recommend(seed, name, settings).items

        return rank

    rankers = {name: by_algorithm(name) for name in ALGORITHMS}
    rankers[POPULARITY] = popular
    return rankers


def evaluate(
    by_user: sp.csr_matrix,
    genres: list[str],
    k: int = 10,
    random_seeds: tuple[int, ...] = (0,),
    settings: Settings = DEFAULT_SETTINGS,
) -> Evaluation:
    """Hit rate@k of every algorithm and of the popularity baseline.

    Raises:
        InputError: when k < 1 or no user loved two movies.
    """
    if k < 1:
        raise InputError(f"--k must be at least 1 (got {k})")
    hit_rates: dict[str, list[float]] = {name: [] for name in (*ALGORITHMS, POPULARITY)}
    users = []
    genre_table = genre_matrix(genres)
    for random_seed in random_seeds:
        split = holdout_split(by_user, random_seed)
        if not split.users.size:
            raise InputError("no user rated two movies above 4: nothing to evaluate")
        users.append(int(split.users.size))
        for name, rank in _rankers(split.train, genre_table, settings).items():
            hit_rates[name].append(hit_rate(split, rank, k))
            logger.info(
                "seed %d: %s hit rate@%d = %.4f",
                random_seed,
                name,
                k,
                hit_rates[name][-1],
            )
    return Evaluation(k, list(random_seeds), users, hit_rates)
