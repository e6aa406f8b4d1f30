"""Fixtures of the web tests: settings on the tiny data, a loaded service, a client."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from movie_recommender.web.app import create_app
from movie_recommender.web.service import Service, load_service
from movie_recommender.web.settings import ServeSettings

LINKS = """movieId,imdbId,tmdbId
1,0114709,862
3,0068646,238
4,0071562,
"""


@pytest.fixture
def web_settings(tiny_dir: Path, tmp_path: Path) -> ServeSettings:
    (tiny_dir / "links.csv").write_text(LINKS, encoding="utf-8")
    return ServeSettings(data_dir=tiny_dir, index_root=tmp_path / "index")


@pytest.fixture
def service(web_settings: ServeSettings) -> Service:
    return load_service(web_settings.data_dir, web_settings.index_root)


def wait_ready(client: TestClient) -> None:
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the service never became ready"
        time.sleep(0.01)


@pytest.fixture
def make_client(
    web_settings: ServeSettings,
) -> Iterator[Callable[..., TestClient]]:
    """Start an app (with settings overrides, or a given service) and wait for it."""
    with ExitStack() as running:

        def make(service: Service | None = None, **overrides: object) -> TestClient:
            settings = ServeSettings(**{**web_settings.__dict__, **overrides})
            app: FastAPI = create_app(settings, (lambda: service) if service else None)
            client = running.enter_context(TestClient(app))
            wait_ready(client)
            return client

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


class Gate:  # pylint: disable=too-few-public-methods  # two events and a wrapper
    """Holds calls of a wrapped function until opened (a slow engine, on demand)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def wrap(self, function: Callable[..., object]) -> Callable[..., object]:
        def held(*args: object) -> object:
            self.entered.set()
            assert self.opened.wait(30), "the gate was never opened"
            return function(*args)

        return held


@pytest.fixture
def gate() -> Iterator[Gate]:
    held = Gate()
    yield held
    held.opened.set()
