"""On the real ml-latest-small (MOVIELENS_DIR); see tests/conftest.py."""

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from movie_recommender.cli import main
from movie_recommender.companions import FAMOUS, check_companions
from movie_recommender.data import read_movies, read_ratings
from movie_recommender.engine import Engine
from movie_recommender.evaluate import Evaluation, evaluate
from movie_recommender.options import (
    DEFAULT_ALGORITHM,
    EvaluateOptions,
    RecommendOptions,
    Settings,
)
from movie_recommender.peers import PEERS
from movie_recommender.splits import LEAVE_LAST_OUT, rating_log
from movie_recommender.store import open_index

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(movielens_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    cache = tmp_path_factory.mktemp("index")
    return Engine(open_index(movielens_dir, cache))


def test_toy_story_finds_toy_story_and_recommends_its_kind(engine: Engine) -> None:
    answer = engine.recommend("toy story")
    assert answer.match is not None
    assert answer.match.title == "Toy Story (1995)"
    titles = [rec.title for rec in answer.recommendations]
    assert "Toy Story (1995)" not in titles
    assert "Toy Story 2 (1999)" in titles


def test_famous_films_get_their_companions_not_the_most_rated_list(
    engine: Engine,
) -> None:
    default = check_companions(engine)
    assert default.algorithm == "ease"
    assert default.films == len(FAMOUS)
    assert default.companions_found >= 11
    assert default.mean_overlap <= 3.5
    # the former default repeated the most rated films (issue 18: 7.3 of 10)
    fans = check_companions(engine, "fans")
    assert fans.mean_overlap > 6
    assert fans.companions_found < default.companions_found


def test_a_strong_genre_boost_without_popularity_puts_the_sequel_first(
    engine: Engine,
) -> None:
    settings = Settings(genre_weight=2.0, popularity_exponent=0.0)
    options = RecommendOptions(algorithm="fans", settings=settings)
    answer = engine.recommend("toy story", None, options)
    assert answer.recommendations[0].title == "Toy Story 2 (1999)"


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("godfater", "Godfather, The (1972)"),
        ("lord of the rings fellowship",
         "Lord of the Rings: The Fellowship of the Ring, The (2001)"),
        ("matrix 1999", "Matrix, The (1999)"),
        ("star wars", "Star Wars: Episode IV - A New Hope (1977)"),
    ],
)  # fmt: skip
def test_search_finds_the_movie_people_mean(
    engine: Engine, query: str, title: str
) -> None:
    assert engine.search(query, 1)[0].title == title


def test_nonsense_has_no_match(engine: Engine) -> None:
    assert engine.search("xqzvbnm kfjwplt") == []
    answer = engine.recommend("xqzvbnm kfjwplt")
    assert answer.match is None
    assert "no movie title matches" in answer.note


def test_duplicate_titles_are_told_apart_by_movie_id(engine: Engine) -> None:
    emmas = [m for m in engine.search("emma 1996", 5) if m.title == "Emma (1996)"]
    assert len({m.movie_id for m in emmas}) == 2


def test_every_rated_movie_gets_recommendations(engine: Engine) -> None:
    counts = engine.index.rating_counts
    rated = [int(engine.index.movie_ids[i]) for i in range(counts.size) if counts[i]]
    for movie_id in rated[::25]:
        assert engine.recommend(None, movie_id).recommendations, movie_id


def test_rarely_rated_seed_gets_no_absurd_scores(engine: Engine) -> None:
    counts = engine.index.rating_counts
    single = int(engine.index.movie_ids[list(counts).index(1)])
    answer = engine.recommend(None, single)
    assert answer.recommendations
    assert max(rec.score for rec in answer.recommendations) <= 2.0


def test_classic_matches_pandas_exactly_on_real_data(
    engine: Engine,
    movielens_dir: Path,
    pandas_classic: Callable[[list[tuple[int, int, float]], int], dict[int, float]],
) -> None:
    frame = pd.read_csv(movielens_dir / "ratings.csv")
    rows = [
        (int(user), int(movie), float(rating))
        for user, movie, rating in frame[["userId", "movieId", "rating"]].itertuples(
            index=False
        )
    ]
    for movie_id in (1, 260, 318, 2571, 4993, 7153, 6874, 112852, 2700, 3671):
        scores = engine.recommender.classic(engine.index.item_of(movie_id))
        got = {
            int(engine.index.movie_ids[item]): float(score)
            for item, score in zip(scores.items, scores.scores, strict=True)
        }
        assert got == pandas_classic(rows, movie_id), movie_id


@pytest.fixture(scope="module")
def evaluation(movielens_dir: Path) -> Evaluation:
    """Every protocol and task on the reporting users."""
    movies = read_movies(movielens_dir / "movies.csv")
    ratings = read_ratings(movielens_dir / "ratings.csv", with_times=True)
    return evaluate(rating_log(movies, ratings), movies.genres, EvaluateOptions())


def test_ease_is_at_least_as_good_as_the_best_peer_on_histories(
    evaluation: Evaluation,
) -> None:
    history = evaluation.task(LEAVE_LAST_OUT, "history")
    ratio = history.result("ease").ndcg_ratio
    assert ratio is not None
    assert ratio.value >= 1.0
    ease = history.result("ease").metrics["ndcg@10"].value
    for peer in PEERS:
        assert ease >= history.result(peer).metrics["ndcg@10"].value, peer
    assert history.users > 250


def test_the_one_film_default_beats_popularity_with_a_smaller_popularity_bias(
    evaluation: Evaluation,
) -> None:
    single = evaluation.task(LEAVE_LAST_OUT, "single-seed")
    default = single.result(DEFAULT_ALGORITHM).metrics
    popular = single.result("popularity-all").metrics
    fans = single.result("fans").metrics
    assert default["ndcg@10"].low > popular["ndcg@10"].value
    best_peer = max(single.result(peer).metrics["ndcg@10"].value for peer in PEERS)
    assert default["ndcg@10"].value >= 0.9 * best_peer  # level with them (README)
    pct = "popularity percentile"
    assert default[pct].high < fans[pct].low
    assert default["coverage"].value > 2 * fans["coverage"].value


def test_a_taste_of_three_animations_recommends_animations(engine: Engine) -> None:
    answer = engine.recommend_titles(["toy story", "finding nemo", "shrek"])
    assert [m.movie_id for m in answer.matches] == [1, 6377, 4306]
    assert answer.algorithm == "ease"
    top = answer.recommendations[:5]
    assert sum("Animation" in rec.genres for rec in top) >= 3
    assert not {1, 6377, 4306} & {rec.movie_id for rec in answer.recommendations}


def test_a_user_gets_nothing_they_already_rated(engine: Engine) -> None:
    answer = engine.recommend_user(1)
    row = engine.index.user_of(1)
    by_user = engine.index.by_user
    rated = set(engine.index.movie_ids[by_user.indices[
        by_user.indptr[row] : by_user.indptr[row + 1]
    ]].tolist())  # fmt: skip
    assert len(answer.recommendations) == 10
    assert not rated & {rec.movie_id for rec in answer.recommendations}


def test_cli_recommend_on_the_real_data(
    movielens_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["recommend", "godfater", "--format", "json", "--limit", "5"]
    args += ["--data-dir", str(movielens_dir), "--cache-dir", str(tmp_path)]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["match"]["title"] == "Godfather, The (1972)"
    assert len(answer["recommendations"]) == 5
