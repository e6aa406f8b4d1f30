"""ASGI middleware: a bounded number of API requests in flight, and request metrics.

Beyond ``max_in_flight`` API requests in one worker, the next one is answered at
once with 503, ``Retry-After`` and a JSON body: the queue never grows without bound
and no connection hangs. Probes (``/healthz``, ``/readyz``, ``/metrics``) and the
page are never shed.
"""

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from movie_recommender.web.metrics import Metrics, route_label
from movie_recommender.web.problems import ApiError, UnavailableError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_error(send: Send, error: ApiError) -> None:
    """Send a complete JSON error response."""
    body = error.body()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    headers += [
        (name.lower().encode("ascii"), value.encode("ascii"))
        for name, value in error.headers().items()
    ]
    await send(
        {"type": "http.response.start", "status": error.status, "headers": headers}
    )
    await send({"type": "http.response.body", "body": body})


class LoadShedding:  # pylint: disable=too-few-public-methods  # an ASGI callable
    """Count API requests in flight, refuse those over the bound, record metrics."""

    def __init__(self, app: App, metrics: Metrics, max_in_flight: int) -> None:
        """Wrap ``app``; at most ``max_in_flight`` API requests at once."""
        self.app = app
        self.metrics = metrics
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Shed, or pass the request on while counting it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_label(scope["path"])
        started = time.perf_counter()
        status = 500  # unless the app starts a response

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        api = route.startswith("/api/")
        try:
            if api and self.in_flight >= self.max_in_flight:
                self.metrics.shed.labels("in_flight").inc()
                await send_error(
                    record_status,
                    UnavailableError(
                        f"busy: {self.in_flight} requests in flight "
                        f"(at most {self.max_in_flight}); retry shortly"
                    ),
                )
                return
            if api:
                self.in_flight += 1
                self.metrics.in_flight.inc()
            try:
                await self.app(scope, receive, record_status)
            finally:
                if api:
                    self.in_flight -= 1
                    self.metrics.in_flight.dec()
        finally:
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
