"""The recommenders on the tiny fixture (classic checked against pandas)."""

from collections.abc import Callable

import numpy as np
import pytest

from movie_recommender import algorithms
from movie_recommender.algorithms import Recommender
from movie_recommender.engine import Engine
from movie_recommender.options import RecommendOptions, Settings
from movie_recommender.preferences import gather, threshold


@pytest.fixture(params=[None, False, True])
def counting_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> bool | None:
    """Every way of counting: the cheaper, the fans' rows, the movies' columns."""
    by_items: bool | None = request.param
    monkeypatch.setattr(algorithms, "COUNT_BY_ITEMS", by_items)
    return by_items


def _item(engine: Engine, movie_id: int) -> int:
    return engine.index.item_of(movie_id)


@pytest.mark.parametrize("movie_id", [1, 2, 3, 4, 6])
@pytest.mark.usefixtures("counting_path")
def test_classic_reproduces_the_original_exactly(
    tiny_engine: Engine,
    tiny_ratings: list[tuple[int, int, float]],
    pandas_classic: Callable[..., dict[int, float]],
    movie_id: int,
) -> None:
    scores = tiny_engine.recommender.classic(_item(tiny_engine, movie_id))
    got = {
        int(tiny_engine.index.movie_ids[item]): float(score)
        for item, score in zip(scores.items, scores.scores, strict=True)
    }
    assert got == pandas_classic(tiny_ratings, movie_id)
    assert movie_id not in got
    assert list(scores.scores) == sorted(scores.scores, reverse=True)


def test_classic_explains_an_empty_result(tiny_engine: Engine) -> None:
    scores = tiny_engine.recommender.classic(_item(tiny_engine, 7))
    assert scores.items.size == 0
    assert "nobody rated this movie above 4" in scores.note


FANS_ONLY = RecommendOptions(algorithm="fans")


def test_fans_recommends_the_sequel_first(tiny_engine: Engine) -> None:
    answer = tiny_engine.recommend("toy story", None, FANS_ONLY)
    assert answer.match is not None
    assert answer.match.movie_id == 1
    assert answer.recommendations[0].movie_id == 2
    assert all(rec.movie_id != 1 for rec in answer.recommendations)


def test_fans_falls_back_to_all_raters_without_loved_ratings(
    tiny_engine: Engine,
) -> None:
    # movie 7 was only rated 2.0, by user 5 who loved movie 6
    answer = tiny_engine.recommend(None, 7, FANS_ONLY)
    assert 6 in [rec.movie_id for rec in answer.recommendations]


def test_every_rated_movie_gets_recommendations(tiny_engine: Engine) -> None:
    for movie_id in range(1, 8):
        assert tiny_engine.recommend(None, movie_id).recommendations


def test_a_film_too_rare_for_ease_gets_fans_answer_by_default(
    tiny_engine: Engine,
) -> None:
    item = _item(tiny_engine, 7)  # one rating: outside the history model
    assert tiny_engine.history.column_of[item] < 0
    answer = tiny_engine.recommend(None, 7)
    assert answer.algorithm == "fans"
    assert "too few ratings for the history model" in answer.note
    assert answer.recommendations
    explicit = tiny_engine.recommend(None, 7, RecommendOptions(algorithm="ease"))
    assert explicit.algorithm == "ease"
    assert explicit.recommendations == []


def test_unrated_movie_gets_an_explained_empty_list(tiny_engine: Engine) -> None:
    answer = tiny_engine.recommend(None, 8)
    assert answer.recommendations == []
    assert "nobody has rated" in answer.note


def test_cooccurrence_counts_fans(tiny_engine: Engine) -> None:
    options = RecommendOptions(algorithm="cooccurrence")
    answer = tiny_engine.recommend(None, 1, options)
    assert answer.recommendations[0].movie_id == 2
    assert answer.recommendations[0].score == 2.0  # users 1 and 2


def test_limit_and_thresholds_are_options(tiny_engine: Engine) -> None:
    options = RecommendOptions(limit=1, settings=Settings(min_rating=5.0))
    assert len(tiny_engine.recommend(None, 1, options).recommendations) == 1


def test_hybrid_blends_standardised_fans_and_co_occurrence(tiny_engine: Engine) -> None:
    recommender = tiny_engine.recommender
    seed = _item(tiny_engine, 1)
    fans = recommender.fans(seed)
    alone = recommender.hybrid(seed, None)
    assert alone.items.tolist() == fans.items.tolist()
    assert alone.note == algorithms.HYBRID_WITHOUT_MODEL
    # a co-occurrence row that only favours the fans' last candidate
    row = np.zeros(recommender.n_items)
    row[fans.items[-1]] = 1.0
    blended = recommender.recommend(seed, "hybrid", limit=None, co_occurrence=row)
    assert sorted(blended.items.tolist()) == sorted(fans.items.tolist())
    by_item = dict(zip(blended.items.tolist(), blended.scores.tolist(), strict=True))
    fans_z = (fans.scores - fans.scores.mean()) / fans.scores.std()
    row_z = (row[fans.items] - row[fans.items].mean()) / row[fans.items].std()
    expected = fans_z + algorithms.HYBRID_WEIGHT * row_z
    for item, score in zip(fans.items.tolist(), expected, strict=True):
        assert by_item[item] == pytest.approx(score)
    assert blended.items.tolist().index(fans.items[-1]) < fans.items.size - 1


def test_hybrid_with_a_flat_row_ranks_like_fans(tiny_engine: Engine) -> None:
    recommender = tiny_engine.recommender
    seed = _item(tiny_engine, 1)
    flat = np.ones(recommender.n_items)
    hybrid = recommender.recommend(seed, "hybrid", co_occurrence=flat)
    assert hybrid.items.tolist() == recommender.fans(seed).items.tolist()


def test_unknown_algorithm_is_refused(tiny_engine: Engine) -> None:
    recommender: Recommender = tiny_engine.recommender
    with pytest.raises(ValueError, match="unknown algorithm"):
        recommender.recommend(0, "magic")


def test_gather_concatenates_segments() -> None:
    values = np.array([10, 11, 20, 21, 22], dtype=np.int32)
    starts, lengths = np.array([2, 0, 2]), np.array([3, 2, 0])
    assert gather(starts, lengths, values).tolist() == [20, 21, 22, 10, 11]
    assert gather(starts[:1], lengths[2:], values).size == 0


def test_threshold_strict_and_inclusive(tiny_engine: Engine) -> None:
    index = tiny_engine.index
    above = threshold(index.by_user, index.by_item, 4.5, strict=True)
    at_least = threshold(index.by_user, index.by_item, 4.5)
    assert above.item_count.sum() == 8
    assert at_least.item_count.sum() == 12
    # rows are sorted by rating, so a view is a prefix of each column
    assert sorted(above.users_of(0).tolist()) == [0, 2]
