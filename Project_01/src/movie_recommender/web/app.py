"""The FastAPI application: routes, readiness, answer cache and time budget."""

import asyncio
import functools
import json
import logging
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from movie_recommender.logs import configure_logging
from movie_recommender.options import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    HISTORY_ALGORITHM,
)
from movie_recommender.web.answer_cache import AnswerCache, SharedAnswers
from movie_recommender.web.metrics import Metrics
from movie_recommender.web.problems import (
    RETRY_AFTER_SECONDS,
    ApiError,
    UnavailableError,
    error_body,
)
from movie_recommender.web.queries import (
    MAX_SEEDS,
    RecommendationQuery,
    SearchQuery,
)
from movie_recommender.web.readiness import Readiness
from movie_recommender.web.service import Rendered, Service, load_service
from movie_recommender.web.settings import (
    DEFAULT_MATCHES,
    DEFAULT_RECOMMENDATIONS,
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    READY_MARKERS,
    SHARED_ANSWERS,
    ServeSettings,
)
from movie_recommender.web.shedding import LoadShedding

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
JSON = "application/json"


class Answers:
    """Answers from a cache, else computed once on a bounded pool within a budget.

    Concurrent requests for the same missing answer share one computation (a few
    films get most requests: at a cold start, many ask for the same one at once).
    With several workers, an answer one of them computed is found by the others
    in the run folder (see :class:`SharedAnswers`). A computation that outlives
    its request's budget still fills the caches. At most ``max_in_flight``
    computations are running or queued; beyond, 503.
    """

    def __init__(self, settings: ServeSettings, metrics: Metrics) -> None:
        """Create the pool and the caches (sized by the settings)."""
        self._pool = ThreadPoolExecutor(settings.threads, thread_name_prefix="answer")
        self._cache = AnswerCache(settings.cache_bytes)
        self._shared = (
            SharedAnswers(settings.run_dir / SHARED_ANSWERS, settings.cache_bytes)
            if settings.run_dir
            else None
        )
        self._budget = settings.time_budget
        self._metrics = metrics
        self._pending: dict[Hashable, asyncio.Future[Rendered]] = {}
        self._max_pending = settings.max_in_flight

    async def get(self, key: Hashable, compute: Callable[[], Rendered]) -> bytes:
        """The cached answer of ``key``, else ``compute()`` within the budget.

        Raises:
            UnavailableError: when the answer takes longer than the time budget,
                or too many answers are being computed already.
        """
        cached = self._cache.get(key)
        if cached is not None:
            self._metrics.cache.labels("hit").inc()
            return cached
        shared = self._shared.get(key) if self._shared else None
        if shared is not None:
            self._metrics.cache.labels("shared").inc()
            self._cache.put(key, shared)
            return shared
        self._metrics.cache.labels("miss").inc()
        job = self._pending.get(key) or self._start(key, compute)
        try:
            rendered = await asyncio.wait_for(asyncio.shield(job), self._budget)
        except TimeoutError:
            self._metrics.shed.labels("time_budget").inc()
            raise UnavailableError(
                f"no answer within the time budget of {self._budget:g} s; retry later"
            ) from None
        return rendered.body

    def _start(
        self, key: Hashable, compute: Callable[[], Rendered]
    ) -> "asyncio.Future[Rendered]":
        if len(self._pending) >= self._max_pending:
            self._metrics.shed.labels("computing").inc()
            raise UnavailableError(
                f"busy: {len(self._pending)} answers being computed; retry shortly"
            )
        job = asyncio.wrap_future(self._pool.submit(compute))
        self._pending[key] = job
        job.add_done_callback(functools.partial(self._finished, key))
        return job

    def _finished(self, key: Hashable, job: "asyncio.Future[Rendered]") -> None:
        """Keep a finished answer (in the event loop: no lock needed)."""
        del self._pending[key]
        if job.cancelled() or job.exception() is not None:
            return  # the waiting requests got the error
        rendered = job.result()
        if rendered.fallback:
            self._metrics.fallbacks.labels(rendered.fallback).inc()
        if rendered.cacheable:
            self._cache.put(key, rendered.body)
            if self._shared:
                self._shared.put(key, rendered.body)

    def close(self) -> None:
        """Drop queued work; running computations end in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _validation_message(error: RequestValidationError) -> str:
    first = error.errors()[0]
    names = [str(part) for part in first.get("loc", ())[1:] if isinstance(part, str)]
    name = names[0] if names else "request"
    if first.get("type") == "missing":
        return f"{name} is required"
    return f"{name}: {first.get('msg', 'invalid')} (got {first.get('input')!r})"


def _add_error_handlers(app: FastAPI) -> None:
    def reply(message: str, status: int, headers: Mapping[str, str] | None) -> Response:
        return Response(error_body(message, status), status, headers, media_type=JSON)

    async def api_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)  # noqa: S101  # registered for ApiError only
        return reply(str(error), error.status, error.headers())

    async def invalid(_: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)  # noqa: S101  # idem
        return reply(_validation_message(error), 422, None)

    async def http_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)  # noqa: S101  # idem
        return reply(str(error.detail), error.status_code, error.headers)

    async def crashed(_: Request, error: Exception) -> Response:
        logger.error("internal error: %r", error)
        return reply("internal error; see the service log", 500, None)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, crashed)


def _json(
    value: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(json.dumps(value), status, headers, media_type=JSON)


def create_app(
    settings: ServeSettings, load: Callable[[], Service] | None = None
) -> FastAPI:
    """Build the application; the index is loaded in the background at startup.

    Args:
        settings: the service's settings.
        load: returns the service (default: map the cached index of the settings).
    """
    readiness = Readiness(
        load or functools.partial(load_service, settings.data_dir, settings.index_root),
        settings.run_dir / READY_MARKERS if settings.run_dir else None,
        settings.workers,
    )
    metrics = Metrics()
    answers = Answers(settings, metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        readiness.start()
        yield
        answers.close()

    app = FastAPI(
        title="movie-recs",
        summary="Find the film you mean; recommend what its fans loved.",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(
        LoadShedding, metrics=metrics, max_in_flight=settings.max_in_flight
    )
    _add_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    page = (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/api/recommendations", responses={404: {}, 422: {}, 503: {}})
    async def recommendations(
        movie_id: Annotated[
            list[int] | None,
            Query(description=f"seed films' movieIds (repeat: 1-{MAX_SEEDS})"),
        ] = None,
        q: Annotated[
            str | None,
            Query(
                description=f"a title as people type it (1-{MAX_QUERY_LENGTH} chars)"
            ),
        ] = None,
        user_id: Annotated[
            list[int] | None,
            Query(description="a MovieLens userId: their ratings are the history"),
        ] = None,
        limit: Annotated[
            int, Query(description=f"number of films, 1-{MAX_LIMIT}")
        ] = DEFAULT_RECOMMENDATIONS,
        algorithm: Annotated[
            str | None,
            Query(
                description=f"one of {', '.join(ALGORITHMS)} (default: "
                f"{DEFAULT_ALGORITHM} for one film, {HISTORY_ALGORITHM} for several "
                "or a user)"
            ),
        ] = None,
    ) -> Response:
        """Recommendations from one film (``movie_id`` or ``q``), several, or a user."""
        query = RecommendationQuery(
            tuple(movie_id or ()), q, limit, algorithm, tuple(user_id or ())
        )
        service = readiness.require()
        body = await answers.get(query, functools.partial(service.recommend, query))
        return Response(body, media_type=JSON)

    @app.get("/api/search", responses={422: {}, 503: {}})
    async def search(
        q: Annotated[
            str,
            Query(
                description=f"a title as people type it (1-{MAX_QUERY_LENGTH} chars)"
            ),
        ],
        limit: Annotated[
            int, Query(description=f"number of matches, 1-{MAX_LIMIT}")
        ] = DEFAULT_MATCHES,
    ) -> Response:
        """Films whose title matches ``q``, best first (typos and years work)."""
        query = SearchQuery(q, limit)
        service = readiness.require()
        body = await answers.get(query, functools.partial(service.search, query))
        return Response(body, media_type=JSON)

    @app.get("/healthz")
    async def healthz() -> Response:
        """The process is up."""
        return _json({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> Response:
        """200 once the index is loaded, 503 before (or when loading failed)."""
        if readiness.error is not None:
            return _json({"status": "failed", "error": readiness.error}, 503)
        if readiness.service is not None and readiness.ready:
            return _json({"status": "ready", "movies": readiness.service.movies})
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        loading = {
            "status": "loading",
            "workers_ready": readiness.workers_ready(),
            "workers": readiness.workers,
        }
        return _json(loading, 503, retry)

    @app.get("/metrics")
    async def prometheus() -> Response:
        """Prometheus text: requests, latency, in flight, shed, cache, fallbacks."""
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/", include_in_schema=False)
    async def home() -> HTMLResponse:
        return HTMLResponse(page)

    return app


def app_from_environment() -> FastAPI:
    """The application of one ``serve`` worker (uvicorn calls this factory).

    Raises:
        InputError: when the settings variable is missing.
    """
    settings = ServeSettings.from_environment()
    configure_logging(settings.log_level, settings.log_file)
    return create_app(settings)
