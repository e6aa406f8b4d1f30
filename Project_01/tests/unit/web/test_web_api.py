"""The HTTP API on the tiny data set, through FastAPI's test client."""

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from movie_recommender.engine import Engine
from movie_recommender.options import DEFAULT_ALGORITHM, RecommendOptions
from movie_recommender.web.app import create_app
from movie_recommender.web.service import Service
from movie_recommender.web.settings import MAX_LIMIT, ServeSettings

WEB_FIELDS = {"year", "ratings", "links"}
ONE_FILM = (
    "algorithm %s recommends for one film; several movie_id or a user_id need "
    "algorithm=ease (the default)"
)
ONE_SEED = "give exactly one of q (a title), movie_id (one or several) or user_id"


def strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def metric(client: TestClient, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


def test_health_answers_while_loading_and_ready_only_after(
    web_settings: ServeSettings, service: Service
) -> None:
    loaded = threading.Event()

    def slow_load() -> Service:
        assert loaded.wait(30)
        return service

    with TestClient(create_app(web_settings, slow_load)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        loading = client.get("/readyz")
        assert loading.status_code == 503
        assert loading.json() == {"status": "loading", "workers_ready": 0, "workers": 1}
        refused = client.get("/api/search", params={"q": "toy"})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        assert "still loading" in refused.json()["error"]
        loaded.set()
        ready = client.get("/readyz")
        for _ in range(1000):
            if ready.status_code == 200:
                break
            ready = client.get("/readyz")
        assert ready.json() == {"status": "ready", "movies": 8}


def test_with_several_workers_ready_means_every_live_worker_is_ready(
    web_settings: ServeSettings, service: Service, tmp_path: Path
) -> None:
    markers = tmp_path / "run" / "ready"
    markers.mkdir(parents=True)
    settings = replace(web_settings, workers=2, run_dir=tmp_path / "run")
    with TestClient(create_app(settings, lambda: service)) as client:
        for _ in range(1000):
            if (markers / str(os.getpid())).exists():
                break
            client.get("/healthz")
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.json() == {"status": "loading", "workers_ready": 1, "workers": 2}
        # this worker answers already; a dead worker's marker does not count
        assert client.get("/api/search", params={"q": "emma"}).status_code == 200
        (markers / "999999999").touch()
        assert client.get("/readyz").status_code == 503
        (markers / str(os.getppid())).touch()  # a live process: the other worker
        assert client.get("/readyz").json() == {"status": "ready", "movies": 8}


def test_readiness_reports_a_load_failure(web_settings: ServeSettings) -> None:
    settings = ServeSettings(web_settings.data_dir / "absent", web_settings.index_root)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/readyz")
        for _ in range(1000):
            if answer.json()["status"] != "loading":
                break
            answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "failed"
        assert "data directory not found" in answer.json()["error"]
        failed = client.get("/api/recommendations", params={"movie_id": 1})
        assert failed.status_code == 503
        assert "could not be loaded" in failed.json()["error"]


def test_search_corrects_typos_and_adds_year_ratings_and_links(
    client: TestClient,
) -> None:
    answer = client.get("/api/search", params={"q": "godfater", "limit": 2})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = strict(answer.text)
    assert body["query"] == "godfater"
    first = body["matches"][0]
    assert first["movieId"] == 3
    assert first["title"] == "Godfather, The (1972)"
    assert (first["year"], first["ratings"]) == (1972, 4)
    assert first["links"] == {
        "movielens": "https://movielens.org/movies/3",
        "imdb": "https://www.imdb.com/title/tt0068646/",
        "tmdb": "https://www.themoviedb.org/movie/238",
    }
    assert len(body["matches"]) == 2
    assert body["matches"][1]["links"] == {
        "movielens": "https://movielens.org/movies/4",
        "imdb": "https://www.imdb.com/title/tt0071562/",
    }


def test_search_without_a_close_title_returns_no_matches(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "qwxzv plmok"})
    assert answer.status_code == 200
    assert answer.json() == {"query": "qwxzv plmok", "matches": []}


@pytest.mark.parametrize(
    ("params", "query", "movie_id"),
    [
        ({"movie_id": 1, "limit": 3}, None, 1),
        ({"q": "toy story", "limit": 3}, "toy story", None),
        ({"movie_id": 3, "algorithm": "classic"}, None, 3),
        ({"q": "godfater", "algorithm": "cooccurrence", "limit": 2}, "godfater", None),
    ],
)
def test_recommendations_are_the_cli_json_object_plus_web_fields(
    client: TestClient,
    tiny_engine: Engine,
    params: dict[str, Any],
    query: str | None,
    movie_id: int | None,
) -> None:
    answer = client.get("/api/recommendations", params=params)
    assert answer.status_code == 200
    body = strict(answer.text)
    options = RecommendOptions(
        algorithm=params.get("algorithm", DEFAULT_ALGORITHM),
        limit=params.get("limit", 10),
    )
    expected = tiny_engine.recommend(query, movie_id, options).to_dict()
    assert body.pop("fallback") is False
    assert set(body) == set(expected)
    # the CLI's fields with the CLI's values; the web adds year, ratings and links
    assert expected["match"].items() <= body["match"].items()
    assert len(body["recommendations"]) == len(expected["recommendations"])
    for film, cli_film in zip(
        body["recommendations"], expected["recommendations"], strict=True
    ):
        assert cli_film.items() <= film.items()
        assert set(film) >= WEB_FIELDS
    assert (body["query"], body["algorithm"], body["note"]) == (
        expected["query"],
        expected["algorithm"],
        expected["note"],
    )


def test_recommendations_for_an_unmatched_title_say_so(client: TestClient) -> None:
    body = client.get("/api/recommendations", params={"q": "qwxzv plmok"}).json()
    assert body["match"] is None
    assert body["recommendations"] == []
    assert "no movie title matches" in body["note"]
    assert body["fallback"] is False


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("movie_id=abc", 422, "movie_id: Input should be a valid integer"),
        ("movie_id=1.5", 422, "movie_id: Input should be a valid integer"),
        ("movie_id=99999999", 404, "unknown movieId: 99999999"),
        ("movie_id=-3", 404, "unknown movieId: -3"),
        ("movie_id=" + "9" * 30, 404, "unknown movieId: " + "9" * 30),
        ("movie_id=1&limit=0", 422, f"limit must be in 1..{MAX_LIMIT} (got 0)"),
        ("movie_id=1&limit=101", 422, f"limit must be in 1..{MAX_LIMIT} (got 101)"),
        ("movie_id=1&limit=ten", 422, "limit: Input should be a valid integer"),
        ("q=", 422, "q is empty"),
        ("q=%20%20", 422, "q is empty"),
        ("q=" + "a" * 201, 422, "q is too long: 201 characters (at most 200)"),
        ("movie_id=1&algorithm=magic", 422, "unknown algorithm 'magic': use one of"),
        ("", 422, ONE_SEED),
        ("q=toy&movie_id=1", 422, ONE_SEED),
        ("q=toy&user_id=1", 422, ONE_SEED),
        ("movie_id=1&user_id=1", 422, ONE_SEED),
        (
            "&".join(["movie_id=1"] * 51),
            422,
            "at most 50 movie_id per request (got 51)",
        ),
        ("movie_id=1&movie_id=x", 422, "movie_id: Input should be a valid integer"),
        ("user_id=1&user_id=2", 422, "one user_id per request (got 2)"),
        ("user_id=abc", 422, "user_id: Input should be a valid integer"),
        ("user_id=99", 404, "unknown userId: 99 (no ratings in the data set)"),
        ("user_id=-1", 404, "unknown userId: -1"),
        ("movie_id=1&movie_id=99", 404, "unknown movieId: 99"),
        ("movie_id=1&movie_id=3&algorithm=fans", 422, ONE_FILM % "fans"),
        ("user_id=1&algorithm=classic", 422, ONE_FILM % "classic"),
    ],
)
def test_bad_recommendation_requests_get_a_json_error_naming_the_problem(
    client: TestClient, query: str, status: int, message: str
) -> None:
    answer = client.get(f"/api/recommendations?{query}")
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert message in answer.json()["error"]
    assert answer.json()["status"] == status


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "q is required"),
        ("q=", "q is empty"),
        ("q=toy&limit=0", "limit must be in 1..100 (got 0)"),
        ("q=" + "b" * 201, "q is too long"),
    ],
)
def test_bad_search_requests_get_a_json_error(
    client: TestClient, query: str, message: str
) -> None:
    answer = client.get(f"/api/search?{query}")
    assert answer.status_code == 422
    assert message in answer.json()["error"]


def test_unknown_paths_and_methods_get_json_errors(client: TestClient) -> None:
    missing = client.get("/api/nothing")
    assert (missing.status_code, missing.json()["error"]) == (404, "Not Found")
    wrong = client.post("/api/search?q=toy")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "Method Not Allowed")


def test_a_failing_algorithm_falls_back_to_popularity_and_logs_it(
    make_client: Callable[..., TestClient],
    service: Service,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = service.engine.recommender.recommend
    broken_seed = service.engine.index.item_of(2)

    def broken(seed: int, *args: Any, **kwargs: Any) -> Any:
        if seed == broken_seed:
            raise FloatingPointError("overflow in the scores")
        return real(seed, *args, **kwargs)

    monkeypatch.setattr(service.engine.recommender, "recommend", broken)
    client = make_client(service)
    caplog.set_level(logging.WARNING, logger="movie_recommender.web.service")
    answer = client.get("/api/recommendations", params={"movie_id": 2, "limit": 3})
    assert answer.status_code == 200
    body = answer.json()
    assert body["fallback"] is True
    assert body["algorithm"] == "popularity"
    assert (
        f"the {DEFAULT_ALGORITHM} algorithm failed (FloatingPointError)" in body["note"]
    )
    assert body["match"]["movieId"] == 2
    # the most-rated films (ties by movieId), the seed left out
    assert [film["movieId"] for film in body["recommendations"]] == [1, 3, 4]
    assert [film["score"] for film in body["recommendations"]] == [4.0, 4.0, 3.0]
    assert f"{DEFAULT_ALGORITHM} failed" in caplog.text
    assert "FloatingPointError" in caplog.text
    assert metric(client, "movie_recs_fallback_answers_total", reason="failure") == 1
    # a failure may be transient: its fallback is not cached
    monkeypatch.setattr(service.engine.recommender, "recommend", real)
    again = client.get("/api/recommendations", params={"movie_id": 2, "limit": 3})
    assert again.json()["fallback"] is False
    # other films were never affected
    other = client.get("/api/recommendations", params={"q": "toy story"}).json()
    assert other["fallback"] is False


def test_a_film_nobody_rated_gets_popular_films_flagged_as_fallback(
    client: TestClient,
) -> None:
    body = client.get("/api/recommendations", params={"movie_id": 8}).json()
    assert body["fallback"] is True
    assert body["match"]["title"] == "Unrated Movie (2000)"
    assert "nobody has rated this movie yet" in body["note"]
    assert "most-rated films" in body["note"]
    assert 8 not in [film["movieId"] for film in body["recommendations"]]
    assert len(body["recommendations"]) == 7


def test_repeated_questions_are_answered_from_the_cache(client: TestClient) -> None:
    first = client.get("/api/recommendations", params={"movie_id": 1})
    second = client.get("/api/recommendations", params={"movie_id": 1})
    other = client.get(
        "/api/recommendations", params={"movie_id": 1, "algorithm": "fans"}
    )
    assert first.content == second.content
    assert other.content != first.content
    assert metric(client, "movie_recs_answer_cache_total", result="miss") == 2
    assert metric(client, "movie_recs_answer_cache_total", result="hit") == 1


def test_a_zero_cache_computes_every_answer(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(cache_mb=0)
    for _ in range(3):
        assert client.get("/api/search", params={"q": "emma"}).status_code == 200
    assert metric(client, "movie_recs_answer_cache_total", result="miss") == 3


def test_metrics_count_requests_by_bounded_route_and_status(client: TestClient) -> None:
    client.get("/api/search", params={"q": "toy"})
    client.get("/api/search", params={"q": ""})
    for number in range(3):
        client.get(f"/random/{number}")
    assert (
        metric(
            client, "movie_recs_http_requests_total", route="/api/search", status="200"
        )
        == 1
    )
    assert (
        metric(
            client, "movie_recs_http_requests_total", route="/api/search", status="422"
        )
        == 1
    )
    assert (
        metric(client, "movie_recs_http_requests_total", route="other", status="404")
        == 3
    )
    text = client.get("/metrics").text
    assert "movie_recs_http_request_duration_seconds_bucket" in text
    assert "movie_recs_http_requests_in_flight 0.0" in text
    assert "/random/1" not in text


def test_the_page_its_script_and_the_docs_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'role="combobox"' in page.text
    assert '<script src="/static/app.js"' in page.text
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert "/api/recommendations" in script.text
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/recommendations", "/api/search", "/healthz", "/readyz"} <= set(
        schema["paths"]
    )
