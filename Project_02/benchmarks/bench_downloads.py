"""Benchmark the download phase against a local server with injected latency.

Usage (from Project_02): ``../scripts/poetry run python benchmarks/bench_downloads.py``.
Serves a feed of 50 episodes of about 1 MB each from 127.0.0.1, every response
delayed by a fixed latency, and measures in the same run:

1. the original approach: ``requests.get(url).content`` one file after another;
2. this pipeline's downloader with 1 worker (sequential, with every safety check);
3. the same with 8 workers (bounded concurrency);
4. a re-run of the whole pipeline on the unchanged feed (304, nothing to download).

Prints a markdown report and writes it to benchmarks/results/downloads.md.
"""

from __future__ import annotations

import argparse
import io
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import requests
import soundfile

from podcast_pipeline.config import Settings
from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.runner import TranscribeChoice, run_pipeline
from podcast_pipeline.steps.downloads import download_due
from podcast_pipeline.steps.feeds import fetch_feeds, store_feeds
from podcast_pipeline.store import list_episodes, open_store

RESULTS = Path(__file__).resolve().parent / "results" / "downloads.md"


class BenchServer(ThreadingHTTPServer):
    """Serves one feed and its audio files, each response after ``latency`` s."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, audio: bytes, episodes: int, latency: float) -> None:
        """Bind to a free port on 127.0.0.1."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.audio = audio
        self.latency = latency
        self.bytes_sent = 0
        self.requests = 0
        self.lock = threading.Lock()
        base = f"http://127.0.0.1:{self.server_address[1]}"
        items = "".join(
            f"<item><title>Episode {n}</title><guid>ep-{n}</guid>"
            f"<pubDate>Mon, 01 Jan 2024 {n // 60:02d}:{n % 60:02d}:00 GMT</pubDate>"
            f'<enclosure url="{base}/audio/{n}.mp3" length="{len(audio)}" '
            'type="audio/mpeg"/></item>'
            for n in range(episodes)
        )
        self.feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
            f"{items}</channel></rss>"
        ).encode()
        self.feed_url = f"{base}/feed.xml"

    def count(self, sent: int) -> None:
        """Count one response and its body bytes."""
        with self.lock:
            self.bytes_sent += sent
            self.requests += 1


class _Handler(BaseHTTPRequestHandler):
    server: BenchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the access log."""

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        """Answer after the injected latency; the feed honours If-None-Match."""
        time.sleep(self.server.latency)
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"bench"':
                self._send(304, b"", "application/rss+xml")
            else:
                self._send(200, self.server.feed, "application/rss+xml")
        else:
            self._send(200, self.server.audio, "audio/mpeg")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("ETag", '"bench"')
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.count(len(body))


def _encode(seconds: float, sample_rate: int = 44100) -> bytes:
    times = np.arange(int(seconds * sample_rate)) / sample_rate
    noise = np.random.default_rng(1).standard_normal(times.size)
    signal = (0.3 * np.sin(2 * np.pi * 440 * times) + 0.1 * noise).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, signal, sample_rate, format="MP3")
    return buffer.getvalue()


def make_audio(target_bytes: int) -> bytes:
    """A generated MP3 (tone plus noise) of roughly ``target_bytes``."""
    bytes_per_second = len(_encode(10.0)) / 10.0
    return _encode(target_bytes / bytes_per_second)


def timed(work: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def original_sequential(server: BenchServer, target: Path) -> None:
    """The original course code: one ``requests.get`` per file, whole body in memory."""
    target.mkdir(parents=True)
    for n in range(len(server.feed.split(b"<item>")) - 1):
        url = f"http://127.0.0.1:{server.server_address[1]}/audio/{n}.mp3"
        response = requests.get(url, timeout=60)
        (target / f"{n}.mp3").write_bytes(response.content)


def pipeline_download(server: BenchServer, root: Path, workers: int) -> dict[str, Any]:
    """Fetch and store the feed, then time the download phase only."""
    settings = Settings(
        feeds=(server.feed_url,),
        data_dir=root,
        store=str(root / "podcasts.db"),
        max_episodes=1000,
        workers=workers,
    )
    engine = open_store(settings.store)
    snapshots, _ = fetch_feeds(engine, settings.feeds, settings.feeds_dir)
    store_feeds(engine, snapshots)
    sent_before = server.bytes_sent
    started = time.perf_counter()
    report = download_due(
        engine,
        settings.audio_dir,
        max_episodes=settings.max_episodes,
        workers=workers,
        policy=DownloadPolicy(),
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "settings": settings,
        "seconds": seconds,
        "downloaded": report.downloaded,
        "bytes": server.bytes_sent - sent_before,
    }


def rerun(server: BenchServer, settings: Settings) -> tuple[float, int, int]:
    """Time a whole pipeline run on the unchanged feed; bytes and requests it cost."""
    sent, requests_before = server.bytes_sent, server.requests
    seconds = timed(
        lambda: run_pipeline(settings, transcribe=TranscribeChoice(enabled=False))
    )
    return seconds, server.bytes_sent - sent, server.requests - requests_before


def main() -> int:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds/request")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    audio = make_audio(int(args.megabytes * 1e6))
    server = BenchServer(audio, args.episodes, args.latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    total_mb = args.episodes * len(audio) / 1e6
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            original = timed(lambda: original_sequential(server, root / "original"))
            sequential = pipeline_download(server, root / "one", 1)
            concurrent = pipeline_download(server, root / "many", args.workers)
            again = rerun(server, concurrent["settings"])
            engine = open_store(concurrent["settings"].store)
            downloaded = sum(
                row["download_status"] == "downloaded" for row in list_episodes(engine)
            )
            engine.dispose()
    finally:
        server.shutdown()
        server.server_close()

    lines = [
        f"## Download benchmark ({time.strftime('%Y-%m-%d')}, "
        f"{platform.python_implementation()} {platform.python_version()})",
        "",
        f"{args.episodes} episodes of {len(audio) / 1e6:.2f} MB ({total_mb:.1f} MB), "
        f"local server on 127.0.0.1 with {args.latency * 1000:.0f} ms latency per "
        "request.",
        "",
        "| download phase | wall time | MB/s | files |",
        "|---|---:|---:|---:|",
        f"| original: sequential `requests.get` | {original:.2f} s | "
        f"{total_mb / original:.1f} | {args.episodes} |",
        f"| pipeline, 1 worker | {sequential['seconds']:.2f} s | "
        f"{total_mb / sequential['seconds']:.1f} | {sequential['downloaded']} |",
        f"| pipeline, {args.workers} workers | {concurrent['seconds']:.2f} s | "
        f"{total_mb / concurrent['seconds']:.1f} | {concurrent['downloaded']} |",
        "",
        f"Speed-up of {args.workers} workers over the original: "
        f"{original / concurrent['seconds']:.1f}x.",
        "",
        "| re-run on the unchanged feed | wall time | body bytes | requests |",
        "|---|---:|---:|---:|",
        f"| fetch (304) + store + download | {again[0]:.2f} s | {again[1]} | "
        f"{again[2]} |",
        "",
        f"Episodes stored as downloaded after the re-run: {downloaded}.",
    ]
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
