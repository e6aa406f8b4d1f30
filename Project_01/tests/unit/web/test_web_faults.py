"""Peak load and faults on a real uvicorn server in a thread (and the test client).

A gate holds the engine's answers (a slow engine on demand), so that the tests
control what is in flight without sleeping.
"""

import http.client
import json
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from movie_recommender.web.app import create_app
from movie_recommender.web.http_protocol import EVENT_LOOP, HTTP_PROTOCOL
from movie_recommender.web.service import Service
from movie_recommender.web.settings import ServeSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


Fetch = Callable[[int, str], tuple[int, http.client.HTTPMessage, bytes]]


class LiveServer:
    """uvicorn serving one app in a background thread, run as `serve` runs it."""

    def __init__(self, settings: ServeSettings, service: Service, fetch: Fetch) -> None:
        self.port = settings.port
        self.fetch = fetch
        config = uvicorn.Config(
            create_app(settings, lambda: service),
            host="127.0.0.1",
            port=self.port,
            loop=EVENT_LOOP,
            http=HTTP_PROTOCOL,
            log_config=None,
            timeout_graceful_shutdown=30,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        for _ in range(3000):
            if self.server.started:
                break
            self.thread.join(0.01)
        assert self.server.started, "uvicorn did not start"
        while self.get("/readyz")[0] != 200:
            self.thread.join(0.01)

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, Any]:
        status, headers, body = self.fetch(self.port, path)
        return status, headers, json.loads(body)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def live(
    web_settings: ServeSettings, service: Service, http_get: Fetch
) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        values = {**web_settings.__dict__, "port": free_port(), **overrides}
        server = LiveServer(ServeSettings(**values), service, http_get)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def held(service: Service, gate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold ``service.recommend`` at the gate (answers wait for ``gate.opened``)."""
    monkeypatch.setattr(service, "recommend", gate.wrap(service.recommend))


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


@pytest.mark.usefixtures("held")
def test_beyond_max_in_flight_requests_get_an_immediate_503(
    live: Callable[..., LiveServer],
    gate: Any,
    pool: ThreadPoolExecutor,
) -> None:
    server = live(max_in_flight=1, threads=1)
    held: Future[Any] = pool.submit(server.get, "/api/recommendations?movie_id=1")
    assert gate.entered.wait(30)
    status, headers, body = server.get("/api/search?q=toy")
    assert status == 503
    assert headers["Retry-After"] == "1"
    assert headers["content-type"] == "application/json"
    assert body == {
        "error": "busy: 1 requests in flight (at most 1); retry shortly",
        "status": 503,
    }
    # probes and metrics are never shed
    assert server.get("/healthz")[0] == 200
    assert server.get("/readyz")[0] == 200
    gate.opened.set()
    status, _, answer = held.result(30)
    assert status == 200
    assert answer["match"]["movieId"] == 1
    assert server.get("/api/search?q=toy")[0] == 200
    text = server.fetch(server.port, "/metrics")[2].decode()
    assert 'movie_recs_http_requests_shed_total{reason="in_flight"} 1.0' in text
    assert (
        'movie_recs_http_requests_total{route="/api/search",status="503"} 1.0' in text
    )


@pytest.mark.usefixtures("held")
def test_an_answer_over_the_time_budget_is_a_503_and_others_go_on(
    make_client: Callable[..., TestClient],
    service: Service,
    gate: Any,
) -> None:
    client = make_client(service, time_budget=1.0, threads=2)
    late = client.get("/api/recommendations", params={"movie_id": 3})
    assert late.status_code == 503
    assert late.headers["Retry-After"] == "1"
    assert late.json()["error"] == (
        "no answer within the time budget of 1 s; retry later"
    )
    assert client.get("/api/search", params={"q": "emma"}).status_code == 200
    text = client.get("/metrics").text
    assert 'movie_recs_http_requests_shed_total{reason="time_budget"} 1.0' in text
    gate.opened.set()


@pytest.mark.usefixtures("held")
def test_shutdown_lets_the_request_in_flight_finish(
    live: Callable[..., LiveServer],
    gate: Any,
    pool: ThreadPoolExecutor,
) -> None:
    server = live()
    held: Future[Any] = pool.submit(server.get, "/api/recommendations?q=emma")
    assert gate.entered.wait(30)
    server.server.should_exit = True  # what SIGTERM does
    server.thread.join(0.2)
    assert server.thread.is_alive(), "the server stopped with a request in flight"
    gate.opened.set()
    status, _, answer = held.result(30)
    assert status == 200
    assert answer["match"]["title"] == "Emma (1996)"
    server.thread.join(30)
    assert not server.thread.is_alive()
    with pytest.raises(ConnectionRefusedError):
        server.get("/healthz")


def in_flight(server: LiveServer) -> float:
    text = server.fetch(server.port, "/metrics")[2].decode()
    for line in text.splitlines():
        if line.startswith("movie_recs_http_requests_in_flight "):
            return float(line.split()[1])
    return 0.0


@pytest.fixture
def calls(service: Service, gate: Any, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Hold ``service.recommend`` at the gate and record every call it gets."""
    recorded: list[object] = []
    held_recommend = gate.wrap(service.recommend)

    def counted(query: object) -> object:
        recorded.append(query)
        return held_recommend(query)

    monkeypatch.setattr(service, "recommend", counted)
    return recorded


def test_identical_misses_at_once_share_one_computation(
    live: Callable[..., LiveServer],
    gate: Any,
    calls: list[object],
    pool: ThreadPoolExecutor,
) -> None:
    server = live()
    path = "/api/recommendations?movie_id=1&limit=2"
    waiting = [pool.submit(server.get, path) for _ in range(3)]
    assert gate.entered.wait(30)
    for _ in range(3000):  # until the three requests are in the service
        if in_flight(server) == 3:
            break
    assert in_flight(server) == 3
    gate.opened.set()
    answers = [future.result(30) for future in waiting]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert answers[0][2] == answers[1][2] == answers[2][2]
    assert len(calls) == 1


def test_an_answer_past_the_budget_still_fills_the_cache(
    make_client: Callable[..., TestClient],
    service: Service,
    gate: Any,
    calls: list[object],
) -> None:
    client = make_client(service, time_budget=0.05)
    assert client.get("/api/recommendations?movie_id=1").status_code == 503
    gate.opened.set()
    hit = 'movie_recs_answer_cache_total{result="hit"}'
    for _ in range(3000):  # until the computation has ended and a request hits
        assert client.get("/api/recommendations?movie_id=1").status_code == 200
        if hit in client.get("/metrics").text:
            break
    assert hit in client.get("/metrics").text
    assert len(calls) == 1, "the late answer was cached, not computed again"


@pytest.mark.usefixtures("held")
def test_too_many_answers_being_computed_are_shed_at_once(
    make_client: Callable[..., TestClient],
    service: Service,
    gate: Any,
) -> None:
    client = make_client(service, time_budget=0.05, max_in_flight=2, threads=1)
    # two answers outlive their requests' budget: still computing (or queued)
    for movie in (1, 3):
        assert client.get(f"/api/recommendations?movie_id={movie}").status_code == 503
    refused = client.get("/api/recommendations?movie_id=4")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == ("busy: 2 answers being computed; retry shortly")
    text = client.get("/metrics").text
    assert 'movie_recs_http_requests_shed_total{reason="computing"} 1.0' in text
    gate.opened.set()
