"""Prometheus metrics of the service (prometheus-client).

With several workers, ``serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker
starts, so every worker writes its values there and ``/metrics`` adds them up.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
ROUTES = frozenset(
    {
        "/",
        "/api/recommendations",
        "/api/search",
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/openapi.json",
    }
)


def route_label(path: str) -> str:
    """A bounded label for a request path (unknown paths share one label)."""
    if path in ROUTES:
        return path
    if path.startswith("/static/"):
        return "/static"
    return "other"


class Metrics:  # pylint: disable=too-few-public-methods  # a record of metrics
    """The service's counters, gauges and histograms, in their own registry."""

    def __init__(self) -> None:
        """Create every metric (values start at zero)."""
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "movie_recs_http_requests",
            "HTTP requests answered, by route and status code",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "movie_recs_http_request_duration_seconds",
            "Time from receiving a request to its last byte, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "movie_recs_http_requests_in_flight",
            "API requests being processed now",
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self.shed = Counter(
            "movie_recs_http_requests_shed",
            "API requests refused with 503, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.cache = Counter(
            "movie_recs_answer_cache",
            "Answer cache lookups, by result (hit, shared: another worker's, miss)",
            ["result"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "movie_recs_fallback_answers",
            "Answers that fell back to the popularity list, by reason",
            ["reason"],
            registry=self.registry,
        )

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text of every worker (or of this process) and its type."""
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
