"""Offline quality as a recommender researcher measures it.

Each protocol of :mod:`movie_recommender.splits` (leave-last-out, global time
split) is asked two tasks:

* history: the user's training ratings are the seed (a user's page);
* single-seed: the last film the user loved in the training ratings is the only
  seed (a one-film page).

Every algorithm ranks the films the user has not rated in the training ratings.
Per user: NDCG@10 (binary relevance), hit rate@10, recall@20 (found / min(held
out, 20)) and the mean popularity percentile of the ten films recommended (100:
the most rated film of the training ratings, 0: the least); over users, the
catalogue coverage (share of the films rated in training that appear in
someone's ten). Each figure comes with a 95% bootstrap interval over users, the
same draws for every algorithm of a task (paired), and NDCG@10 is compared with
the best peer of the task (the `implicit` models and the popularity lists) as a
ratio with its paired interval. Figures are reported on the reporting users; the
defaults were chosen on the tuning users (``--users tuning`` shows those).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.algorithms import Recommender, genre_matrix
from movie_recommender.history import SEED_WEIGHT, HistoryModel, fit_history
from movie_recommender.options import EASE, FANS, HYBRID, EvaluateOptions, Settings
from movie_recommender.peers import PEERS, Peer, fit_peer
from movie_recommender.preferences import sort_columns, sort_rows
from movie_recommender.splits import LOVED, PROTOCOLS, RatingLog, Split, make_split

logger = logging.getLogger(__name__)

TOP, RECALL_AT = 10, 20
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20190513
HISTORY, SINGLE_SEED = "history", "single-seed"
TASKS = (HISTORY, SINGLE_SEED)
POPULARITY_ALL = "popularity-all"
POPULARITY_LOVED = "popularity-loved"
REFERENCES = (*PEERS, POPULARITY_ALL, POPULARITY_LOVED)
ONE_FILM_ALGORITHMS = (EASE, HYBRID, FANS, "cooccurrence", "classic")
METRICS = ("ndcg@10", "hit rate@10", "recall@20", "popularity percentile")
COVERAGE = "coverage"

# scores every film for the n-th evaluated user of a split (-inf: not ranked)
Ranker = Callable[[int], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% bootstrap interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class AlgorithmResult:
    """One algorithm on one task: every metric, and NDCG@10 over the best peer's."""

    name: str
    metrics: dict[str, Estimate]
    ndcg_ratio: Estimate | None


@dataclass(frozen=True)
class TaskResult:
    """One task of one protocol: its users, best peer ("" if none), every algorithm."""

    protocol: str
    task: str
    users: int
    best_peer: str
    algorithms: list[AlgorithmResult]

    def result(self, name: str) -> AlgorithmResult:
        """The result of one algorithm by name."""
        return next(entry for entry in self.algorithms if entry.name == name)


@dataclass(frozen=True)
class Evaluation:
    """Every protocol and task on one group of users."""

    group: str
    bootstrap_samples: int
    tasks: list[TaskResult]

    def task(self, protocol: str, task: str) -> TaskResult:
        """The result of one protocol's task."""
        return next(t for t in self.tasks if (t.protocol, t.task) == (protocol, task))


@dataclass(frozen=True)
class UserMetrics:
    """Per evaluated user: the metrics of :data:`METRICS` and the top ten films."""

    values: npt.NDArray[np.float64]
    top: npt.NDArray[np.int64]


def top_films(
    scores: npt.NDArray[np.float64], rated: npt.NDArray[np.int32], count: int
) -> npt.NDArray[np.int64]:
    """The ``count`` best films by score, skipping ``rated`` and unranked ones.

    Ties go to the lower film position (a fixed order, no luck from sorting).
    """
    scores = scores.copy()
    scores[rated] = -np.inf
    ranked = np.flatnonzero(np.isfinite(scores))
    order = np.lexsort((ranked, -scores[ranked]))[:count]
    top: npt.NDArray[np.int64] = ranked[order].astype(np.int64)
    return top


def user_metrics(
    split: Split, rank: Ranker, percentiles: npt.NDArray[np.float64]
) -> UserMetrics:
    """NDCG@10, hit rate@10, recall@20 and popularity percentile per user."""
    discounts = 1.0 / np.log2(np.arange(2, RECALL_AT + 2))
    values = np.zeros((split.users.size, len(METRICS)))
    tops = np.full((split.users.size, TOP), -1, dtype=np.int64)
    train = split.train
    for number, user in enumerate(split.users):
        rated = train.indices[train.indptr[user] : train.indptr[user + 1]]
        found = top_films(rank(number), rated, RECALL_AT)
        hit = np.isin(found, split.relevant[number])
        relevant = split.relevant[number].size
        ideal = discounts[: min(relevant, TOP)].sum()
        values[number, 0] = (discounts[: found.size] * hit)[:TOP].sum() / ideal
        values[number, 1] = float(hit[:TOP].any())
        values[number, 2] = hit.sum() / min(relevant, RECALL_AT)
        shown = found[:TOP]
        values[number, 3] = percentiles[shown].mean() if shown.size else 0.0
        tops[number, : shown.size] = shown
    return UserMetrics(values, tops)


def popularity_percentiles(train: sp.csr_matrix) -> npt.NDArray[np.float64]:
    """Each film's popularity percentile: where it stands among the ratings.

    The share of the training ratings that went to films rated less often than
    this one (half of those of films rated as often): 100 for the most rated
    film, near 0 for a film nobody rated. Over films instead of ratings, the
    long tail of films rated once would put almost every film above 90.
    """
    counts = np.diff(sp.csc_matrix(train).indptr).astype(np.float64)
    total = counts.sum()
    if total == 0:
        return np.zeros(counts.size)
    values, inverse = np.unique(counts, return_inverse=True)
    mass = values * np.bincount(inverse)  # ratings of the films of each count
    below = np.cumsum(mass) - mass
    percentiles: npt.NDArray[np.float64] = 100.0 * (below + mass / 2)[inverse] / total
    return percentiles


def _fill(
    n_items: int, items: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    full = np.full(n_items, -np.inf)
    full[items] = scores
    return full


def popularity_rankers(train: sp.csr_matrix) -> dict[str, Ranker]:
    """The most rated and the most loved films of the training ratings."""
    rated = np.diff(sp.csc_matrix(train).indptr).astype(np.float64)
    loved = np.asarray(sp.csr_matrix(train >= LOVED).sum(axis=0), float).ravel()
    # ties by the other count: a strict order, as a real list has
    by_rated = rated + loved / (loved.max(initial=0) + 1)
    by_loved = loved + rated / (rated.max(initial=0) + 1)
    return {
        POPULARITY_ALL: lambda _: by_rated,
        POPULARITY_LOVED: lambda _: by_loved,
    }


def history_ranker(split: Split, model: HistoryModel) -> Ranker:
    """EASE on each user's training ratings (the history task)."""
    train, n_items = split.train, split.train.shape[1]

    def rank(number: int) -> npt.NDArray[np.float64]:
        user = split.users[number]
        start, end = train.indptr[user], train.indptr[user + 1]
        history = train.indices[start:end].astype(np.int64)
        weights = model.weigh(train.data[start:end].astype(np.float64))
        return _fill(n_items, *model.scores(history, weights))

    return rank


def one_film_ease_ranker(split: Split, model: HistoryModel) -> Ranker:
    """EASE with the user's last loved training film as the only seed."""
    n_items = split.train.shape[1]

    def rank(number: int) -> npt.NDArray[np.float64]:
        seed = split.seeds[number : number + 1]
        return _fill(n_items, *model.scores(seed, np.full(1, SEED_WEIGHT)))

    return rank


def one_film_rankers(
    split: Split, genres: sp.csr_matrix, settings: Settings, model: HistoryModel
) -> dict[str, Ranker]:
    """The one-film algorithms on the user's last loved training film."""
    train = sort_rows(split.train)
    recommender = Recommender(train, sort_columns(train.tocsc()), genres)

    def by_name(name: str) -> Ranker:
        def rank(number: int) -> npt.NDArray[np.float64]:
            seed = int(split.seeds[number])
            co_occurrence = model.co_occurrence(seed) if name == HYBRID else None
            found = recommender.recommend(seed, name, settings, None, co_occurrence)
            return _fill(recommender.n_items, found.items, found.scores)

        return rank

    rankers = {name: by_name(name) for name in ONE_FILM_ALGORITHMS if name != EASE}
    return {EASE: one_film_ease_ranker(split, model)} | rankers


def peer_rankers(split: Split, peers: list[Peer], task: str) -> dict[str, Ranker]:
    """The fitted `implicit` models, asked for histories or for one film."""
    train = sp.csr_matrix(split.train, dtype=np.float32)

    def by_peer(peer: Peer) -> Ranker:
        def rank(number: int) -> npt.NDArray[np.float64]:
            if task == HISTORY:
                user = int(split.users[number])
                return peer.for_history(user, train[user])
            return peer.for_film(int(split.seeds[number]))

        return rank

    return {peer.name: by_peer(peer) for peer in peers}


def _task_rankers(
    split: Split, genres: sp.csr_matrix, settings: Settings
) -> dict[str, dict[str, Ranker]]:
    model = fit_history(split.train)
    peers = [fit_peer(name, split.train) for name in PEERS]
    popularity = popularity_rankers(split.train)
    return {
        HISTORY: {EASE: history_ranker(split, model)}
        | peer_rankers(split, peers, HISTORY)
        | popularity,
        SINGLE_SEED: one_film_rankers(split, genres, settings, model)
        | peer_rankers(split, peers, SINGLE_SEED)
        | popularity,
    }


def measure(split: Split, rankers: dict[str, Ranker]) -> dict[str, UserMetrics]:
    """Every ranker's per-user metrics on one split."""
    percentiles = popularity_percentiles(split.train)
    return {
        name: user_metrics(split, rank, percentiles) for name, rank in rankers.items()
    }


def summarise(
    split: Split, task: str, measured: dict[str, UserMetrics], samples: int
) -> TaskResult:
    """Means, coverage and paired bootstrap intervals over the split's users."""
    users = split.users.size
    draws = np.random.default_rng(BOOTSTRAP_SEED).multinomial(
        users, np.full(users, 1.0 / users), samples
    )  # one draw of users for every algorithm: paired
    catalogue = max(int(np.count_nonzero(np.diff(split.train.tocsc().indptr))), 1)
    resampled = {name: draws @ m.values / users for name, m in measured.items()}
    observed = {name: m.values.mean(axis=0) for name, m in measured.items()}
    best = max(
        (name for name in REFERENCES if name in measured),
        key=lambda name: observed[name][0],
        default="",
    )
    results = []
    for name, found in measured.items():
        metrics = _estimates(observed[name], resampled[name])
        metrics[COVERAGE] = _coverage(found.top, draws, catalogue)
        ratio = (
            _ratio(
                (observed[name][0], resampled[name][:, 0]),
                (observed[best][0], resampled[best][:, 0]),
            )
            if best and observed[best][0] > 0
            else None
        )
        results.append(AlgorithmResult(name, metrics, ratio))
    results.sort(key=lambda entry: -entry.metrics["ndcg@10"].value)
    return TaskResult(split.protocol, task, users, best, results)


def _estimates(
    observed: npt.NDArray[np.float64], resampled: npt.NDArray[np.float64]
) -> dict[str, Estimate]:
    """Each metric of :data:`METRICS`: observed mean, resampled means' percentiles."""
    return {
        metric: _percentile(observed[column], resampled[:, column])
        for column, metric in enumerate(METRICS)
    }


def _ratio(
    mine: tuple[float, npt.NDArray[np.float64]],
    reference: tuple[float, npt.NDArray[np.float64]],
) -> Estimate:
    """Observed ratio of two means, and its interval over the same resamples."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sampled = mine[1] / reference[1]
    return _percentile(mine[0] / reference[0], sampled[np.isfinite(sampled)])


def _percentile(value: float, sampled: npt.NDArray[np.float64]) -> Estimate:
    if sampled.size == 0:
        return Estimate(float(value), float(value), float(value))
    low, high = np.percentile(sampled, [2.5, 97.5])
    return Estimate(float(value), float(low), float(high))


def _coverage(
    top: npt.NDArray[np.int64], draws: npt.NDArray[np.int64], catalogue: int
) -> Estimate:
    """Share of the catalogue in someone's ten, with a normal bootstrap interval.

    A resample holds about 63% distinct users, so resampled coverages sit below
    the observed one: their spread (not their percentiles) gives the interval,
    centred on the observed value.
    """
    users, width = top.shape
    rows = np.repeat(np.arange(users), width)
    shown = top.ravel() >= 0
    n_items = int(top.max(initial=0)) + 1
    incidence: sp.csr_matrix = sp.coo_matrix(
        (np.ones(int(shown.sum())), (rows[shown], top.ravel()[shown])),
        shape=(users, n_items),
    ).tocsr()
    observed = np.count_nonzero(incidence.sum(axis=0)) / catalogue
    sampled = [
        np.diff(
            sp.csr_matrix(sp.csr_matrix((chunk > 0).astype(float)) @ incidence).indptr
        )
        for chunk in np.array_split(draws, max(draws.shape[0] // 200, 1))
    ]
    spread = float(np.std(np.concatenate(sampled) / catalogue))
    return Estimate(float(observed), observed - 1.96 * spread, observed + 1.96 * spread)


def evaluate(log: RatingLog, genres: list[str], options: EvaluateOptions) -> Evaluation:
    """Every algorithm and peer, both protocols and both tasks, on one user group.

    Raises:
        InputError: when no user of the group has a film to find.
    """
    genre_table = genre_matrix(genres)
    tasks = []
    for protocol in PROTOCOLS:
        split = make_split(log, protocol, options.group)
        logger.info(
            "%s: %d %s users, %d training ratings",
            protocol, split.users.size, options.group, split.train.nnz,
        )  # fmt: skip
        for task, rankers in _task_rankers(
            split, genre_table, options.settings
        ).items():
            measured = measure(split, rankers)
            tasks.append(summarise(split, task, measured, BOOTSTRAP_SAMPLES))
    return Evaluation(options.group, BOOTSTRAP_SAMPLES, tasks)
