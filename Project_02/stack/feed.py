"""A local podcast feed on 127.0.0.1 for ``stack-run``, the stack test, the benchmark.

The server publishes ``/feed.xml`` (RSS 2.0) and one ``/audio/<guid>.mp3`` per
episode. It can add latency before every answer, throttle bodies, and inject
per-episode faults in order (``503``/``429`` with ``Retry-After: 1``, ``drop``:
reset the connection half-way). It answers ranged requests (with ``If-Range``
on a strong ETag) and counts, per episode, the responses that delivered the
file's last byte: "downloaded exactly once" is checked on the server's side.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from stack.loopback import LoopbackServer, QuietHandler

CHUNK_BYTES = 16 * 1024
FAULT_STATUSES = {"503": 503, "429": 429}


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode of the local feed.

    Attributes:
        guid: Its guid, also the audio file's name.
        body: The audio bytes; None makes the enclosure answer 404.
        faults: Faults for its first requests, in order: ``503``, ``429``, ``drop``.
        audio_url: An enclosure URL to publish instead of the served one
            (a malformed URL, say).
    """

    guid: str
    body: bytes | None
    faults: tuple[str, ...] = ()
    audio_url: str | None = None


class Deliveries:
    """Per-episode faults still to inject, requests, complete deliveries, bytes."""

    def __init__(self, episodes: Sequence[EpisodeSpec]) -> None:
        """Queue each episode's faults."""
        self._faults = {episode.guid: list(episode.faults) for episode in episodes}
        self._lock = threading.Condition()
        self.requests: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.body_bytes = 0
        self.in_flight: dict[str, float] = {}  # guid: the fraction sent so far
        self.last_completed_at = 0.0  # time.monotonic()

    def next_fault(self, guid: str) -> str | None:
        """Count a request of ``guid``; the fault to inject into it, if one is left."""
        with self._lock:
            self.requests[guid] += 1
            queue = self._faults.get(guid, [])
            return queue.pop(0) if queue else None

    def record(self, guid: str, sent: int, *, complete: bool) -> None:
        """Count body bytes, and a delivery when it reached the last byte."""
        with self._lock:
            self.body_bytes += sent
            if complete:
                self.completed[guid] += 1
                self.last_completed_at = time.monotonic()
                self._lock.notify_all()

    def progress(self, guid: str, fraction: float | None) -> None:
        """Note how far the answer for ``guid`` got (None: it ended)."""
        with self._lock:
            if fraction is None:
                self.in_flight.pop(guid, None)
            else:
                self.in_flight[guid] = fraction

    def wait_completed(self, guid: str, count: int, timeout: float = 5.0) -> bool:
        """Whether ``guid`` reaches ``count`` deliveries within ``timeout`` s.

        A client has the last byte a moment before the server thread counts it.
        """
        with self._lock:
            return self._lock.wait_for(lambda: self.completed[guid] >= count, timeout)

    def quiet_for(self, seconds: float) -> bool:
        """Whether no delivery completed in the last ``seconds``."""
        with self._lock:
            return time.monotonic() - self.last_completed_at >= seconds


class FeedServer(LoopbackServer):
    """The feed and its audio, with latency, throttling, faults and counters."""

    def __init__(
        self,
        episodes: Sequence[EpisodeSpec],
        *,
        latency: float = 0.0,
        bytes_per_second: float | None = None,
        port: int = 0,
    ) -> None:
        """Bind 127.0.0.1 (``port`` 0: a free one); ``serve_forever`` or ``start``."""
        super().__init__(_Handler, port)
        self.episodes = {episode.guid: episode for episode in episodes}
        self.order = [episode.guid for episode in episodes]
        self.latency = latency
        self.bytes_per_second = bytes_per_second
        self.deliveries = Deliveries(episodes)

    @property
    def feed_url(self) -> str:
        """The feed's URL."""
        return self.url("/feed.xml")

    def audio_url(self, guid: str) -> str:
        """The served audio URL of episode ``guid``."""
        return self.url(f"/audio/{guid}.mp3")

    def feed_xml(self) -> bytes:
        """The RSS document: newest episode first, one day apart."""
        newest = datetime(2024, 6, 1, 10, tzinfo=UTC)
        items = []
        for age, guid in enumerate(self.order):
            episode = self.episodes[guid]
            url = episode.audio_url or self.audio_url(guid)
            size = len(episode.body) if episode.body else 0
            published = format_datetime(newest - timedelta(days=age), usegmt=True)
            items.append(
                f"<item><title>Episode {escape(guid)}</title>"
                f'<guid isPermaLink="false">{escape(guid)}</guid>'
                f"<pubDate>{published}</pubDate>"
                f"<enclosure url={quoteattr(url)} length={quoteattr(str(size))} "
                'type="audio/mpeg"/></item>'
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Local feed</title>{''.join(items)}</channel></rss>\n"
        ).encode()


def etag_of(body: bytes) -> str:
    """The strong ETag the server gives ``body``."""
    return f'"{hashlib.sha256(body).hexdigest()[:16]}"'


class _Handler(QuietHandler):
    server: FeedServer

    def do_GET(self) -> None:  # noqa: N802  # pylint: disable=invalid-name  # http.server API
        """The feed, an audio file, or 404."""
        if self.server.latency:
            time.sleep(self.server.latency)
        if self.path == "/feed.xml":
            self.send_head(
                200, len(body := self.server.feed_xml()), "application/rss+xml"
            )
            self.wfile.write(body)
            return
        guid = self.path.removeprefix("/audio/").removesuffix(".mp3")
        episode = self.server.episodes.get(guid)
        fault = self.server.deliveries.next_fault(guid) if episode else None
        if episode is None or episode.body is None:
            self.send_head(404, 0, "text/plain")
            return
        if fault in FAULT_STATUSES:
            self.send_head(FAULT_STATUSES[fault], 0, "text/plain", {"Retry-After": "1"})
            return
        self._send_audio(guid, episode.body, drop=fault == "drop")

    def _send_audio(self, guid: str, body: bytes, *, drop: bool) -> None:
        etag, size = etag_of(body), len(body)
        start = self.range_start({etag})
        if start is not None and start >= size:
            self.send_unsatisfiable(size)
            return
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        if start is None:
            status, start = 200, 0
        else:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        self.send_head(status, size - start, "audio/mpeg", headers)
        end = start + (len(body) - start) // 2 if drop else len(body)
        sent = self._write_throttled(guid, body, start, end)
        self.server.deliveries.record(guid, sent, complete=start + sent == len(body))
        if drop:
            self.reset_connection()

    def _write_throttled(self, guid: str, body: bytes, start: int, end: int) -> int:
        sent = 0
        rate = self.server.bytes_per_second
        deliveries = self.server.deliveries
        try:
            for offset in range(start, end, CHUNK_BYTES):
                piece = body[offset : min(offset + CHUNK_BYTES, end)]
                try:
                    self.wfile.write(piece)
                    self.wfile.flush()
                except OSError:  # the client went away (a killed worker)
                    break
                sent += len(piece)
                deliveries.progress(guid, (start + sent) / len(body))
                if rate:
                    time.sleep(len(piece) / rate)
        finally:
            deliveries.progress(guid, None)
        return sent
