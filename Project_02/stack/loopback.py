"""A threaded HTTP server on 127.0.0.1 and the request handler both our servers share.

The local feed (:mod:`stack.feed`) and the tests' fault-injecting server
(``tests/support/server.py``) differ in what they serve; how they bind, start,
stop, answer ranged requests with ``If-Range`` and cut a connection is here.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Collection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer on 127.0.0.1 that serves from a daemon thread."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        """Bind 127.0.0.1 (``port`` 0: a free one); :meth:`start` serves."""
        super().__init__(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        """The full URL of ``path``."""
        return f"{self.base_url}{path}"

    def start(self) -> Self:
        """Serve in a daemon thread; returns the server."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, no access log, clients that hang up ignored."""

    protocol_version = "HTTP/1.1"

    def handle(self) -> None:
        """Serve, ignoring clients that hang up (killed workers and tests do)."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (base API)
        """No access log."""

    def send_head(
        self,
        status: int,
        length: int,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Status line, ``Content-Type``, ``Content-Length``, ``headers``."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def range_start(self, validators: Collection[str] | None) -> int | None:
        """The first byte a ``Range: bytes=N-`` asks for, if it applies.

        RFC 9110 §13.1.5: with ``If-Range`` the range applies only when the
        validator is one of ``validators`` (None: a server that ignores
        ``If-Range``); otherwise the whole file is sent.

        Returns:
            ``N``, or None when the whole file is to be sent.
        """
        requested = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range")
        if not requested.startswith("bytes="):
            return None
        if (
            if_range is not None
            and validators is not None
            and if_range not in validators
        ):
            return None
        first = requested.removeprefix("bytes=").split("-")[0]
        return int(first) if first.isdigit() else None

    def send_unsatisfiable(self, size: int) -> None:
        """``416`` for a range starting at or beyond ``size``."""
        self.send_head(416, 0, "text/plain", {"Content-Range": f"bytes */{size}"})

    def reset_connection(self) -> None:
        """End the connection with RST instead of FIN: a reset mid-body."""
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.close_connection = True
