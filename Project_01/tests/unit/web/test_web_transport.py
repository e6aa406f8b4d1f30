"""How `serve` runs uvicorn: answers without Nagle's delay, fewer malloc arenas."""

import http.client
import os
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from movie_recommender.web.http_protocol import EVENT_LOOP, HTTP_PROTOCOL
from movie_recommender.web.memory import ARENA_ENV, ARENAS, limit_malloc_arenas


def hello() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    async def root() -> dict[str, str]:
        return {"hello": "world"}

    return app


def server_side_nodelay(protocol: str) -> int:
    """TCP_NODELAY of the server's end of a connection, on a socket like uvicorn's.

    With several workers, uvicorn binds the shared socket itself (protocol 0);
    asyncio then leaves Nagle's algorithm on for the connections it accepts.
    """
    config = uvicorn.Config(
        hello(),
        host="127.0.0.1",
        port=0,
        loop=EVENT_LOOP,
        http=protocol,
        log_config=None,
    )
    listener = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, args=([listener],), daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.01)
        host, port = listener.getsockname()[:2]
        client = http.client.HTTPConnection(host, port, timeout=10)
        client.request("GET", "/")
        assert client.getresponse().read() == b'{"hello":"world"}'
        connections = list(server.server_state.connections)  # kept alive
        assert len(connections) == 1
        sock = connections[0].transport.get_extra_info("socket")
        value = int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        client.close()
        return value
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


def test_serve_answers_without_waiting_for_the_clients_acks() -> None:
    assert server_side_nodelay("httptools") == 0  # uvicorn's own protocol
    assert server_side_nodelay(HTTP_PROTOCOL) == 1


@pytest.fixture
def arena_env() -> Iterator[None]:
    before = os.environ.get(ARENA_ENV)
    yield
    if before is None:
        os.environ.pop(ARENA_ENV, None)
    else:
        os.environ[ARENA_ENV] = before


@pytest.mark.usefixtures("arena_env")
def test_workers_inherit_a_limit_on_malloc_arenas() -> None:
    os.environ.pop(ARENA_ENV, None)
    limit_malloc_arenas()
    assert os.environ[ARENA_ENV] == str(ARENAS)


@pytest.mark.usefixtures("arena_env")
def test_a_malloc_arena_limit_set_by_the_user_is_kept() -> None:
    os.environ[ARENA_ENV] = "4"
    limit_malloc_arenas()
    assert os.environ[ARENA_ENV] == "4"


@pytest.mark.usefixtures("arena_env")
def test_a_malformed_malloc_arena_limit_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    os.environ[ARENA_ENV] = "many"
    limit_malloc_arenas()
    assert "ignoring MALLOC_ARENA_MAX='many': not a number" in caplog.text
