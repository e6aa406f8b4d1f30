"""Several seed films (repeated ``movie_id``) and a user's history (``user_id``)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from movie_recommender.engine import Engine
from movie_recommender.options import RecommendOptions
from movie_recommender.store import history_folder, open_index
from movie_recommender.web.settings import ServeSettings

WEB_FIELDS = {"year", "ratings", "links"}
TOO_FEW = (
    "none of these films has enough ratings for the history model; "
    "showing the most-rated films instead"
)


@pytest.fixture
def small_client(make_client: Callable[..., TestClient], small_dir: Path) -> TestClient:
    return make_client(data_dir=small_dir)


@pytest.fixture
def small_engine(small_dir: Path, web_settings: ServeSettings) -> Engine:
    root = web_settings.index_root
    return Engine(open_index(small_dir, root), history_folder(small_dir, root))


def without_web_fields(film: dict[str, Any]) -> dict[str, Any]:
    assert set(film) >= WEB_FIELDS
    return {key: value for key, value in film.items() if key != "links"}


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("movie_id=1&movie_id=2", lambda e: e.recommend_movies([1, 2])),
        ("movie_id=2&movie_id=1&movie_id=2", lambda e: e.recommend_movies([2, 1, 2])),
        (
            "movie_id=1&limit=3",
            lambda e: e.recommend(None, 1, RecommendOptions(limit=3)),
        ),
        ("user_id=1", lambda e: e.recommend_user(1)),
        ("user_id=7&limit=4", lambda e: e.recommend_user(7, RecommendOptions(limit=4))),
        (
            "movie_id=11&algorithm=ease",
            lambda e: e.recommend_movies([11], RecommendOptions("ease")),
        ),
    ],
)
def test_films_and_users_give_the_cli_json_plus_web_fields(
    small_client: TestClient,
    small_engine: Engine,
    query: str,
    answer: Callable[[Engine], Any],
) -> None:
    response = small_client.get(f"/api/recommendations?{query}")
    assert response.status_code == 200
    body = response.json()
    expected = answer(small_engine).to_dict()
    assert body.pop("fallback") is False
    assert body["recommendations"], "the small data set has enough ratings"
    assert set(body) == set(expected)
    assert (body["query"], body["algorithm"], body["user"], body["note"]) == (
        expected["query"],
        expected["algorithm"],
        expected["user"],
        expected["note"],
    )
    assert [without_web_fields(film) for film in body["matches"]] == expected["matches"]
    assert body["match"] == (body["matches"][0] if body["matches"] else None)
    films = [without_web_fields(film) for film in body["recommendations"]]
    assert [
        {key: film[key] for key in expected_film}
        for film, expected_film in zip(films, expected["recommendations"], strict=True)
    ] == expected["recommendations"]


def test_a_users_answer_leaves_out_everything_they_rated(
    small_client: TestClient, small_engine: Engine
) -> None:
    body = small_client.get("/api/recommendations?user_id=3&limit=30").json()
    index = small_engine.index
    row = index.user_of(3)
    items = index.by_user.indices[
        index.by_user.indptr[row] : index.by_user.indptr[row + 1]
    ]
    rated = {int(movie) for movie in index.movie_ids[items]}
    assert body["user"] == {"userId": 3, "ratings": len(rated)}
    assert body["algorithm"] == "ease"
    assert rated.isdisjoint(film["movieId"] for film in body["recommendations"])


def test_too_few_ratings_for_the_history_model_fall_back_without_the_users_films(
    client: TestClient,
) -> None:
    # the tiny data set has no film with the history model's minimum of ratings
    body = client.get("/api/recommendations?user_id=1&limit=10").json()
    assert body["fallback"] is True
    assert body["algorithm"] == "popularity"
    assert body["user"] == {"userId": 1, "ratings": 3}
    assert (body["match"], body["matches"]) == (None, [])
    assert body["note"] == TOO_FEW
    # user 1 rated films 1, 2 and 3: the most-rated others, ties by movieId
    assert [film["movieId"] for film in body["recommendations"]] == [4, 5, 6, 7, 8]
    several = client.get("/api/recommendations?movie_id=3&movie_id=1").json()
    assert several["fallback"] is True
    assert [match["movieId"] for match in several["matches"]] == [3, 1]
    assert several["query"] == "id:3,1"
    assert {1, 3}.isdisjoint(film["movieId"] for film in several["recommendations"])
