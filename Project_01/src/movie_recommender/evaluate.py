"""Offline quality, measured so that it cannot flatter.

For every user with at least three loved movies (rated 4.5 or 5), one loved movie
is hidden (removed from the training ratings). Two protocols then ask for it:

* single-seed: another of the user's loved movies is the only seed;
* history: all the user's remaining ratings are the seed.

A hit is the hidden movie among the top k, skipping every movie the user rated in
the training data. Each algorithm is compared with the stronger of two popularity
lists (most rated, most loved), with a 95% paired bootstrap interval of the ratio
(users resampled within each split, the same draw for every algorithm). The
splits the defaults were tuned on (:data:`TUNING_SEEDS`) are not the reporting
splits (``--seed 100 --repeats 5`` by default).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.algorithms import Recommender, genre_matrix
from movie_recommender.errors import InputError
from movie_recommender.history import (
    SEED_WEIGHT,
    HistoryModel,
    fit_history,
    rating_weights,
)
from movie_recommender.options import EASE, FANS, HYBRID, EvaluateOptions, Settings
from movie_recommender.preferences import sort_columns, sort_rows

logger = logging.getLogger(__name__)

LOVED = 4.5
MIN_LOVED = 3  # one to hide, one to seed with, one more so a history remains
TUNING_SEEDS = (0, 1, 2, 3, 4)
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20190513
POPULARITY_ALL = "popularity-all"
POPULARITY_LOVED = "popularity-loved"
BASELINES = (POPULARITY_ALL, POPULARITY_LOVED)
SINGLE_SEED = "single-seed"
HISTORY = "history"
ONE_FILM_ALGORITHMS = (HYBRID, FANS, "cooccurrence", "classic")
SINGLE_SEED_ALGORITHMS = (*ONE_FILM_ALGORITHMS, EASE)
HISTORY_ALGORITHMS = (EASE,)


@dataclass(frozen=True)
class Split:
    """One random hold-out: per user, a hidden loved movie and a loved seed."""

    users: npt.NDArray[np.int64]
    held_out: npt.NDArray[np.int64]
    seeds: npt.NDArray[np.int64]
    train: sp.csr_matrix


@dataclass(frozen=True)
class Ratio:
    """An algorithm's hit rate over the stronger baseline's, with its 95% interval.

    ``None`` where the baseline never hits (the ratio is undefined).
    """

    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ProtocolResult:
    """Hit rates of one protocol: per algorithm and split, their means, the ratios."""

    protocol: str
    hit_rates: dict[str, list[float]]
    means: dict[str, float]
    baseline: str
    ratios: dict[str, Ratio]

    def mean(self, algorithm: str) -> float:
        """Average hit rate of one algorithm over the splits."""
        return self.means[algorithm]


@dataclass(frozen=True)
class Evaluation:
    """Both protocols over the same splits."""

    k: int
    random_seeds: list[int]
    tuning_seeds: list[int]
    users: list[int]
    protocols: list[ProtocolResult]

    @property
    def overlaps_tuning(self) -> bool:
        """Whether a reported split is one the defaults were tuned on."""
        return bool(set(self.random_seeds) & set(self.tuning_seeds))


def holdout_split(by_user: sp.csr_matrix, random_seed: int) -> Split:
    """Hide one loved movie per user with three, and pick another as the seed."""
    rng = np.random.default_rng(random_seed)
    users, held_out, seeds = [], [], []
    for user in range(by_user.shape[0]):
        start, end = by_user.indptr[user], by_user.indptr[user + 1]
        loved = by_user.indices[start:end][by_user.data[start:end] >= LOVED]
        if loved.size < MIN_LOVED:
            continue
        hidden, seed = rng.choice(np.sort(loved), size=2, replace=False)
        users.append(user)
        held_out.append(int(hidden))
        seeds.append(int(seed))
    hidden_mask: sp.csr_matrix = sp.coo_matrix(
        (np.ones(len(users)), (np.array(users), np.array(held_out))),
        shape=by_user.shape,
    ).tocsr()
    train = sp.csr_matrix(by_user - by_user.multiply(hidden_mask))
    train.eliminate_zeros()
    return Split(
        np.array(users, dtype=np.int64),
        np.array(held_out, dtype=np.int64),
        np.array(seeds, dtype=np.int64),
        train,
    )


# a ranker scores every catalogue item for the n-th user of a split
Ranker = Callable[[int], npt.NDArray[np.float64]]


def hits(split: Split, rank: Ranker, k: int) -> npt.NDArray[np.bool_]:
    """For each user of the split: is the hidden movie in the top k unseen?"""
    found = np.zeros(split.users.size, dtype=bool)
    train = split.train
    for number, (user, hidden) in enumerate(
        zip(split.users, split.held_out, strict=True)
    ):
        scores = rank(number).copy()
        scores[train.indices[train.indptr[user] : train.indptr[user + 1]]] = -np.inf
        if np.isneginf(scores[hidden]) or np.isnan(scores[hidden]):
            continue
        # ties with the hidden movie count against it: no luck from the order
        found[number] = int(np.count_nonzero(scores >= scores[hidden])) <= k
    return found


def _fill(
    n_items: int, items: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    full = np.full(n_items, -np.inf)
    full[items] = scores
    return full


def _popularity(train: sp.csr_matrix) -> dict[str, Ranker]:
    rated = np.diff(sp.csc_matrix(train).indptr).astype(np.float64)
    loved_matrix = sp.csr_matrix(train >= LOVED, dtype=np.float64)
    loved = np.asarray(loved_matrix.sum(axis=0)).ravel()
    # ties by the other count, then by item: a strict order, as a real list has
    n_items = rated.size
    by_rated = np.argsort(np.lexsort((-np.arange(n_items), loved, rated)))
    by_loved = np.argsort(np.lexsort((-np.arange(n_items), rated, loved)))
    return {
        POPULARITY_ALL: lambda _: by_rated.astype(np.float64),
        POPULARITY_LOVED: lambda _: by_loved.astype(np.float64),
    }


def _single_seed_rankers(
    split: Split, genres: sp.csr_matrix, settings: Settings, model: HistoryModel
) -> dict[str, Ranker]:
    recommender = split_recommender(split, genres)
    n_items = recommender.n_items

    def by_algorithm(name: str) -> Ranker:
        def rank(number: int) -> npt.NDArray[np.float64]:
            seed = int(split.seeds[number])
            co_occurrence = model.co_occurrence(seed) if name == HYBRID else None
            found = recommender.recommend(seed, name, settings, None, co_occurrence)
            return _fill(n_items, found.items, found.scores)

        return rank

    def ease(number: int) -> npt.NDArray[np.float64]:
        seed = split.seeds[number : number + 1]
        items, scores = model.scores(seed, np.full(1, SEED_WEIGHT))
        full = _fill(n_items, items, scores)
        full[seed] = -np.inf
        return full

    rankers = {name: by_algorithm(name) for name in ONE_FILM_ALGORITHMS}
    return rankers | {EASE: ease} | _popularity(split.train)


def _history_rankers(split: Split, model: HistoryModel) -> dict[str, Ranker]:
    train, n_items = split.train, split.train.shape[1]

    def ease(number: int) -> npt.NDArray[np.float64]:
        user = split.users[number]
        start, end = train.indptr[user], train.indptr[user + 1]
        history = train.indices[start:end].astype(np.int64)
        weights = rating_weights(train.data[start:end].astype(np.float64))
        items, scores = model.scores(history, weights)
        return _fill(n_items, items, scores)

    return {EASE: ease} | _popularity(split.train)


def _bootstrap(
    per_split: list[dict[str, npt.NDArray[np.bool_]]],
    names: list[str],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Observed and resampled hit rates (summed over splits) per algorithm.

    Users are resampled within each split; all algorithms see the same draw.
    """
    resampled = np.zeros((BOOTSTRAP_SAMPLES, len(names)))
    observed = np.zeros(len(names))
    for found in per_split:
        matrix = np.array([found[name] for name in names], dtype=np.float64)
        size = matrix.shape[1]
        draws = rng.multinomial(size, np.full(size, 1.0 / size), BOOTSTRAP_SAMPLES)
        resampled += draws @ matrix.T / size
        observed += matrix.mean(axis=1)
    return observed, resampled


def history_hit_rate(split: Split, model: HistoryModel, k: int = 10) -> float:
    """Hit rate@k of a history model on one split's history protocol (for tuning)."""
    return float(hits(split, _history_rankers(split, model)[EASE], k).mean())


def split_recommender(split: Split, genres: sp.csr_matrix) -> Recommender:
    """The one-film recommenders on a split's training ratings."""
    train = sort_rows(split.train)
    return Recommender(train, sort_columns(train.tocsc()), genres)


def hybrid_hit_rate(
    split: Split,
    recommender: Recommender,
    model: HistoryModel,
    weight: float,
    k: int = 10,
) -> float:
    """Hit rate@k of ``hybrid`` with one blend weight, single-seed protocol.

    For tuning (``recommender`` from :func:`split_recommender`, built once per
    split); weight 0 ranks as ``fans``.
    """

    def rank(number: int) -> npt.NDArray[np.float64]:
        seed = int(split.seeds[number])
        found = recommender.hybrid(seed, model.co_occurrence(seed), weight=weight)
        return _fill(recommender.n_items, found.items, found.scores)

    return float(hits(split, rank, k).mean())


def popularity_hit_rate(split: Split, k: int = 10) -> float:
    """Hit rate@k of the stronger popularity list on one split (for tuning)."""
    return max(
        float(hits(split, rank, k).mean()) for rank in _popularity(split.train).values()
    )


def _ratios(
    per_split: list[dict[str, npt.NDArray[np.bool_]]], rng: np.random.Generator
) -> tuple[str, dict[str, Ratio]]:
    """Ratios to the stronger baseline, with paired bootstrap intervals.

    In each resample the stronger baseline is chosen again, so the interval
    accounts for not knowing in advance which popularity list wins.
    """
    names = list(per_split[0])
    observed, resampled = _bootstrap(per_split, names, rng)
    baselines = [names.index(name) for name in BASELINES]
    stronger = baselines[int(np.argmax(observed[baselines]))]
    best_baseline = resampled[:, baselines].max(axis=1)
    ratios = {}
    for column, name in enumerate(names):
        value = _divide(observed[column], observed[stronger])
        with np.errstate(divide="ignore", invalid="ignore"):
            sampled = resampled[:, column] / best_baseline
        sampled = sampled[np.isfinite(sampled)]
        low, high = (None, None)
        if value is not None and sampled.size:
            low, high = (float(q) for q in np.percentile(sampled, [2.5, 97.5]))
        ratios[name] = Ratio(value, low, high)
    return names[stronger], ratios


def _divide(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator > 0 else None


def _split_hits(
    split: Split, genres: sp.csr_matrix, options: EvaluateOptions
) -> dict[str, dict[str, npt.NDArray[np.bool_]]]:
    """Per protocol and algorithm, which users of one split got a hit."""
    model = fit_history(split.train)
    rankers = {
        SINGLE_SEED: _single_seed_rankers(split, genres, options.settings, model),
        HISTORY: _history_rankers(split, model),
    }
    return {
        protocol: {name: hits(split, rank, options.k) for name, rank in by_name.items()}
        for protocol, by_name in rankers.items()
    }


def evaluate(
    by_user: sp.csr_matrix, genres: list[str], options: EvaluateOptions
) -> Evaluation:
    """Hit rate@k of every algorithm and both baselines, in both protocols.

    Raises:
        InputError: when no user has three loved movies.
    """
    genre_table = genre_matrix(genres)
    found: dict[str, list[dict[str, npt.NDArray[np.bool_]]]] = {
        SINGLE_SEED: [],
        HISTORY: [],
    }
    users = []
    for random_seed in options.random_seeds:
        split = holdout_split(by_user, random_seed)
        if not split.users.size:
            raise InputError(
                f"no user rated {MIN_LOVED} movies {LOVED:g} or 5: nothing to evaluate"
            )
        users.append(int(split.users.size))
        for protocol, by_name in _split_hits(split, genre_table, options).items():
            found[protocol].append(by_name)
            for name, hit in by_name.items():
                logger.info(
                    "seed %d, %s: %s hit rate@%d = %.4f",
                    random_seed, protocol, name, options.k, hit.mean(),
                )  # fmt: skip
    return Evaluation(
        options.k,
        list(options.random_seeds),
        list(TUNING_SEEDS),
        users,
        _summaries(found),
    )


def _summaries(
    found: dict[str, list[dict[str, npt.NDArray[np.bool_]]]],
) -> list[ProtocolResult]:
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    protocols = []
    for protocol, per_split in found.items():
        baseline, ratios = _ratios(per_split, rng)
        hit_rates = {
            name: [float(split_hits[name].mean()) for split_hits in per_split]
            for name in per_split[0]
        }
        means = {name: float(np.mean(rates)) for name, rates in hit_rates.items()}
        protocols.append(ProtocolResult(protocol, hit_rates, means, baseline, ratios))
    return protocols
