"""The evaluation's metrics, intervals and peers, on hand-made and generated data."""

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from movie_recommender.data import read_movies, read_ratings
from movie_recommender.evaluate import (
    HISTORY,
    SINGLE_SEED,
    UserMetrics,
    evaluate,
    popularity_percentiles,
    summarise,
    top_films,
    user_metrics,
)
from movie_recommender.options import EvaluateOptions
from movie_recommender.peers import ALS, BM25, COSINE, fit_peer
from movie_recommender.render import render_evaluation
from movie_recommender.splits import GLOBAL_TIME, LEAVE_LAST_OUT, Split, rating_log


def _split(relevant: list[list[int]], train: np.ndarray) -> Split:
    users = np.arange(len(relevant))
    return Split(
        LEAVE_LAST_OUT,
        sp.csr_matrix(train),
        users,
        [np.array(r) for r in relevant],
        np.zeros(users.size, dtype=np.int64),
    )


def test_top_films_skip_rated_and_unranked_films_and_break_ties_by_position() -> None:
    scores = np.array([9.0, 3.0, 3.0, -np.inf, 1.0])
    assert top_films(scores, np.array([0], dtype=np.int32), 3).tolist() == [1, 2, 4]
    assert top_films(scores, np.array([], dtype=np.int32), 10).tolist() == [0, 1, 2, 4]


def test_ndcg_hit_rate_and_recall_by_hand() -> None:
    # 30 films; user 0 rated film 0; held out: films 2 and 25
    train = np.zeros((1, 30))
    train[0, 0] = 5.0
    split = _split([[2, 25]], train)
    scores = -np.arange(30, dtype=np.float64)  # films 0, 1, 2, ... in that order
    found = user_metrics(split, lambda _: scores, np.linspace(0, 100, 30))
    ideal = 1 + 1 / math.log2(3)
    # shown: films 1..10 (0 was rated): film 2 second, film 25 not in the top 20
    assert found.values[0, 0] == pytest.approx((1 / math.log2(3)) / ideal)
    assert found.values[0, 1] == 1.0
    assert found.values[0, 2] == pytest.approx(0.5)
    assert found.top[0].tolist() == list(range(1, 11))


def test_popularity_percentile_is_the_share_of_ratings_below_a_film() -> None:
    # film 0 rated 3 times, film 1 once, film 2 never: 4 ratings in all
    train = sp.csr_matrix(np.array([[5.0, 0, 0], [4.0, 3.0, 0], [2.0, 0, 0]]))
    assert popularity_percentiles(train).tolist() == pytest.approx([62.5, 12.5, 0.0])


def test_intervals_are_paired_and_contain_the_observed_figures() -> None:
    rng = np.random.default_rng(0)
    split = _split([[1]] * 50, np.zeros((50, 5)))
    strong = rng.random((50, 4)) < 0.6
    measured = {
        "algorithm": UserMetrics(strong.astype(float), np.tile(np.arange(10), (50, 1))),
        "implicit-als": UserMetrics(
            (strong & (rng.random((50, 4)) < 0.5)).astype(float),
            np.tile(np.arange(10), (50, 1)),
        ),
    }
    result = summarise(split, HISTORY, measured, 500)
    assert result.best_peer == "implicit-als"
    for entry in result.algorithms:
        for estimate in entry.metrics.values():
            assert estimate.low <= estimate.value <= estimate.high
    mine = result.result("algorithm")
    assert mine.ndcg_ratio is not None
    # the same users in both columns: the ratio's interval stays above 1
    assert mine.ndcg_ratio.low > 1.0
    peer = result.result("implicit-als").ndcg_ratio
    assert peer is not None
    assert peer.value == pytest.approx(1.0)


def test_coverage_counts_the_distinct_films_shown_over_the_catalogue() -> None:
    train = np.ones((2, 40))
    split = _split([[0], [1]], train)
    tops = np.array([np.arange(10), np.arange(5, 15)])
    result = summarise(split, HISTORY, {"a": UserMetrics(np.zeros((2, 4)), tops)}, 100)
    assert result.result("a").metrics["coverage"].value == pytest.approx(15 / 40)


@pytest.mark.parametrize("name", [ALS, BM25, COSINE])
def test_each_peer_scores_every_film_for_a_history_and_for_one_film(name: str) -> None:
    rng = np.random.default_rng(1)
    train = sp.csr_matrix((rng.random((60, 30)) < 0.3) * 5.0)
    peer = fit_peer(name, train)
    history = peer.for_history(0, train[0])
    film = peer.for_film(3)
    assert history.shape == film.shape == (30,)
    assert np.isneginf(film[3])
    assert np.isfinite(history).sum() > 10


def test_every_protocol_and_task_on_generated_data(small_dir: Path) -> None:
    movies = read_movies(small_dir / "movies.csv")
    log = rating_log(movies, read_ratings(small_dir / "ratings.csv", with_times=True))
    result = evaluate(log, movies.genres, EvaluateOptions())
    assert {(t.protocol, t.task) for t in result.tasks} == {
        (protocol, task)
        for protocol in (LEAVE_LAST_OUT, GLOBAL_TIME)
        for task in (HISTORY, SINGLE_SEED)
    }
    history = result.task(LEAVE_LAST_OUT, HISTORY)
    names = {entry.name for entry in history.algorithms}
    assert {"ease", ALS, BM25, COSINE, "popularity-all", "popularity-loved"} == names
    single = result.task(LEAVE_LAST_OUT, SINGLE_SEED)
    assert {"hybrid", "fans", "classic", "cooccurrence"} < {
        entry.name for entry in single.algorithms
    }
    # four tastes that never mix: EASE finds the taste, popularity cannot
    ease = history.result("ease").metrics["ndcg@10"].value
    popular = history.result("popularity-all").metrics["ndcg@10"].value
    assert ease > 1.5 * popular
    text = render_evaluation(result, "table")
    assert "leave-last-out, history task" in text
    assert "reporting users" in text
