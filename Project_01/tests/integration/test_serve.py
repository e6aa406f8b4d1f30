"""`movie-recs serve` as users run it: a real subprocess on ml-latest-small."""

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

BAD_REQUESTS = [
    ("/api/recommendations?movie_id=abc", 422, "movie_id: Input should be"),
    ("/api/recommendations?movie_id=99999999", 404, "unknown movieId: 99999999"),
    ("/api/recommendations?movie_id=858&limit=0", 422, "limit must be in 1..100"),
    ("/api/recommendations?q=toy&algorithm=best", 422, "unknown algorithm 'best'"),
    ("/api/recommendations", 422, "give exactly one of q (a title), movie_id"),
    ("/api/recommendations?q=toy&movie_id=1", 422, "give exactly one of q"),
    ("/api/recommendations?user_id=611", 404, "unknown userId: 611"),
    ("/api/recommendations?user_id=1&user_id=2", 422, "one user_id per request"),
    ("/api/search?q=%20", 422, "q is empty"),
    ("/api/search?q=" + "x" * 201, 422, "q is too long"),
]


def get_json(server: Any, path: str) -> tuple[int, Any]:
    status, _, body = server.get(path)
    return status, json.loads(body)


def counter(metrics: str, route: str, status: int) -> float:
    pattern = (
        rf'movie_recs_http_requests_total{{route="{route}",status="{status}"}} (\S+)'
    )
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def cache_lookups(metrics: str, result: str) -> float:
    pattern = rf'movie_recs_answer_cache_total{{result="{result}"}} (\S+)'
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def test_two_workers_answer_refuse_bad_input_and_stop_on_sigterm(
    serve_process: Callable[..., Any], movielens_dir: Path
) -> None:
    server = serve_process(movielens_dir, "--workers", "2")
    assert get_json(server, "/healthz") == (200, {"status": "ok"})
    assert get_json(server, "/readyz") == (200, {"status": "ready", "movies": 9742})

    status, found = get_json(server, "/api/search?q=godfater&limit=3")
    assert status == 200
    assert found["matches"][0]["movieId"] == 858
    assert found["matches"][0]["year"] == 1972

    status, answer = get_json(server, "/api/recommendations?movie_id=858")
    assert status == 200
    assert answer["match"]["title"] == "Godfather, The (1972)"
    assert answer["fallback"] is False
    assert len(answer["recommendations"]) == 10
    assert answer["recommendations"][0]["links"]["imdb"].startswith(
        "https://www.imdb.com/title/tt"
    )
    status, answer = get_json(server, "/api/recommendations?q=toy%20story&limit=3")
    assert (status, answer["match"]["movieId"]) == (200, 1)
    # several films and a user's history: the history model, cached by `serve`
    status, answer = get_json(server, "/api/recommendations?movie_id=1&movie_id=3114")
    assert (status, answer["algorithm"], answer["fallback"]) == (200, "ease", False)
    assert [match["movieId"] for match in answer["matches"]] == [1, 3114]
    assert len(answer["recommendations"]) == 10
    status, answer = get_json(server, "/api/recommendations?user_id=5&limit=5")
    assert (status, answer["user"]["userId"], answer["fallback"]) == (200, 5, False)
    assert len(answer["recommendations"]) == 5

    for path, expected_status, message in BAD_REQUESTS:
        status, error = get_json(server, path)
        assert status == expected_status, path
        assert message in error["error"], path

    page_status, _, page = server.get("/")
    assert page_status == 200
    assert b'role="combobox"' in page
    assert server.get("/docs")[0] == 200

    misses = cache_lookups(server.get("/metrics")[2].decode(), "miss")
    for _ in range(20):  # spread over both workers; /metrics adds them up
        assert server.get("/api/search?q=matrix%201999")[0] == 200
    metrics = server.get("/metrics")[2].decode()
    assert counter(metrics, "/api/search", 200) == 21
    # computed once for both workers: the other one reads the shared answer
    assert cache_lookups(metrics, "miss") == misses + 1
    assert counter(metrics, "/api/recommendations", 404) == 2  # movieId, userId

    assert server.terminate() == 0
    log = server.log_file.read_text(encoding="utf-8")
    assert log.count("Finished server process") == 2
    assert "Traceback" not in log


def test_a_burst_beyond_the_in_flight_bound_is_shed_with_503(
    serve_process: Callable[..., Any], movielens_dir: Path
) -> None:
    server = serve_process(
        movielens_dir, "--max-in-flight", "1", "--threads", "1", "--cache-mb", "0"
    )
    popular = [1, 260, 296, 318, 356, 480, 527, 589, 593, 2571, 2959, 4993]
    statuses: list[int] = []
    with ThreadPoolExecutor(24) as pool:
        for _ in range(5):  # a burst almost always sheds at once; a few tries at most
            paths = [
                f"/api/recommendations?movie_id={m}&algorithm=classic" for m in popular
            ] * 2
            answers = list(pool.map(server.get, paths))
            statuses += [status for status, _, _ in answers]
            shed = [(h, b) for status, h, b in answers if status == 503]
            if shed:
                break
    assert set(statuses) <= {200, 503}
    assert shed, "no request was shed"
    headers, body = shed[0]
    assert headers["Retry-After"] == "1"
    assert json.loads(body)["error"].startswith("busy: 1 requests in flight")
    assert server.get("/readyz")[0] == 200
    metrics = server.get("/metrics")[2].decode()
    assert 'movie_recs_http_requests_shed_total{reason="in_flight"}' in metrics
    assert server.terminate() == 0
