"""A real HTTP server on 127.0.0.1 that serves feeds and audio and injects faults.

Binding, ranges with ``If-Range`` and connection resets come from
:mod:`stack.loopback`, shared with the stack's local feed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from stack.loopback import LoopbackServer, QuietHandler


@dataclass(frozen=True)
class Fault:
    """One injected fault, used for one request.

    kinds: ``status`` (answer ``status`` with ``retry_after``), ``drop`` (reset
    the connection after ``cut_at`` body bytes), ``short`` (announce the full
    length, send ``cut_at`` bytes, close), ``slow`` (wait ``delay`` s first),
    ``trickle`` (send the body in ``cut_at``-byte pieces, ``delay`` s apart).
    ``replace_with`` (body, etag): after this response the publisher replaces
    the file (dynamic ad insertion does that between two requests).
    """

    kind: str
    status: int = 503
    retry_after: str | None = None
    cut_at: int = 0
    delay: float = 0.0
    location: str | None = None
    replace_with: tuple[bytes, str] | None = None


@dataclass
class Route:  # pylint: disable=too-many-instance-attributes  # one per HTTP feature
    """What the server answers for one path."""

    body: bytes
    content_type: str = "audio/mpeg"
    etag: str | None = None
    last_modified: str | None = None
    supports_range: bool = True
    honours_if_range: bool = True
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)


class FaultServer(LoopbackServer):
    """A loopback server with routes, injected faults and a byte counter."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.routes: dict[str, Route] = {}
        self.latency = 0.0
        self.body_bytes_sent = 0
        self.lock = threading.Lock()

    def add(self, path: str, route: Route) -> str:
        """Serve ``route`` at ``path``; returns its URL."""
        self.routes[path] = route
        return self.url(path)

    def count(self, sent: int) -> None:
        """Add to the body bytes sent."""
        with self.lock:
            self.body_bytes_sent += sent


class _Handler(QuietHandler):
    server: FaultServer

    def do_GET(self) -> None:  # noqa: N802  # pylint: disable=invalid-name  # http.server API
        """The route's answer, or its injected fault; 404 for an unknown path."""
        route = self.server.routes.get(self.path.split("?")[0])
        if self.server.latency:
            time.sleep(self.server.latency)
        if route is None:
            self._answer(404, b"not found", "text/plain")
            return
        route.requests.append(dict(self.headers.items()))
        fault = route.faults.pop(0) if route.faults else None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            if fault.location:
                extra["Location"] = fault.location
            self._answer(fault.status, b"try later", "text/plain", extra)
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._answer(304, b"", route.content_type, {"ETag": route.etag})
            return
        if route.last_modified and self.headers.get("If-Modified-Since") == (
            route.last_modified
        ):
            self._answer(304, b"", route.content_type)
            return
        self._serve_body(route, fault)
        if fault is not None and fault.replace_with is not None:
            route.body, route.etag = fault.replace_with

    def _serve_body(self, route: Route, fault: Fault | None) -> None:
        body, status = route.body, 200
        headers = {"Accept-Ranges": "bytes"} if route.supports_range else {}
        validators = {v for v in (route.etag, route.last_modified) if v}
        start = self.range_start(validators if route.honours_if_range else None)
        if route.supports_range and start is not None:
            if start >= len(route.body):
                self.send_unsatisfiable(len(route.body))
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
            body = body[start:]
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if fault is not None and fault.kind == "trickle":
            self.send_head(status, len(body), route.content_type, headers)
            for start in range(0, len(body), fault.cut_at):
                self.wfile.write(body[start : start + fault.cut_at])
                self.wfile.flush()
                time.sleep(fault.delay)
            self.server.count(len(body))
            return
        if fault is not None and fault.kind in {"drop", "short"}:
            self.send_head(status, len(body), route.content_type, headers)
            self.wfile.write(body[: fault.cut_at])
            self.wfile.flush()
            self.server.count(min(fault.cut_at, len(body)))
            if fault.kind == "drop":
                self.reset_connection()
            self.close_connection = True
            return
        self._answer(status, body, route.content_type, headers)

    def _answer(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_head(status, len(body) if status != 304 else 0, content_type, headers)
        if status != 304:
            self.wfile.write(body)
            self.server.count(len(body))
