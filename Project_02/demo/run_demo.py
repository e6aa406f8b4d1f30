"""``make demo``: one run of the ``podcast_summary`` DAG with ``airflow dags test``.

Without ``PODCAST_FEEDS`` the DAG reads a feed served on 127.0.0.1 by this script:
one episode, the LJ Speech clip of the shared data (``PODCAST_DEMO_AUDIO``, default
``../../shared/data/audio/lj-speech-fireside-chat.mp3`` from Project_02), so the
demo works offline and ends with a real transcript. With ``PODCAST_FEEDS`` it reads
those feeds. Airflow's environment (home, DAG folder, metadata database) comes from
the Makefile. Prints the pipeline's log lines, the stored episodes and one result
line; exits 0 only when the DAG run succeeded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIO = PROJECT.parents[1] / "shared/data/audio/lj-speech-fireside-chat.mp3"
DAG_TIMEOUT_SECONDS = 900
SHOWN = re.compile(r"podcast_pipeline|Error:|Marking run")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No access log on the demo's output."""


def _feed_xml(audio: Path, base_url: str) -> str:
    size = audio.stat().st_size
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Local demo feed</title>"
        "<item><title>Fireside chat (LJ Speech clip)</title>"
        "<guid>demo-lj-speech</guid>"
        "<pubDate>Fri, 05 Jan 2024 15:00:00 GMT</pubDate>"
        f'<enclosure url="{escape(base_url)}/audio.mp3" length="{size}" '
        'type="audio/mpeg"/></item></channel></rss>\n'
    )


@contextmanager
def local_feed(audio: Path) -> Iterator[str]:
    """Serve a one-episode feed of ``audio`` on 127.0.0.1; yield the feed URL."""
    with tempfile.TemporaryDirectory(prefix="podcast-demo-") as folder:
        root = Path(folder)
        shutil.copyfile(audio, root / "audio.mp3")
        handler = partial(_QuietHandler, directory=folder)
        with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
            base_url = f"http://127.0.0.1:{server.server_address[1]}"
            (root / "feed.xml").write_text(_feed_xml(audio, base_url), "utf-8")
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield f"{base_url}/feed.xml"
            finally:
                server.shutdown()


def _airflow(args: list[str], env: dict[str, str], log: Path) -> int:
    with log.open("w", encoding="utf-8") as sink:
        try:
            return subprocess.run(  # noqa: S603  (our venv's airflow, fixed args)
                [sys.executable, "-m", "airflow", *args],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=DAG_TIMEOUT_SECONDS,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            sink.write(f"demo: airflow {args[0]} timed out\n")
            return 1


def run_dag(feeds: str, data_dir: Path, home: Path) -> bool:
    """Migrate Airflow's database, run the DAG once, print its pipeline lines."""
    env = {**os.environ, "PODCAST_FEEDS": feeds, "PODCAST_DATA_DIR": str(data_dir)}
    env["PODCAST_TASK_RETRIES"] = "0"  # an offline run fails in seconds
    home.mkdir(parents=True, exist_ok=True)
    if _airflow(["db", "migrate"], env, home / "db-migrate.log"):
        print(f"demo: airflow db migrate failed (see {home / 'db-migrate.log'})")
        return False
    print(f"airflow dags test podcast_summary on {feeds} (retries off) ...")
    log = home / "demo.log"
    _airflow(["dags", "test", "podcast_summary"], env, log)
    text = log.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        if SHOWN.search(line):
            print(line[:220])
    print(f"full log: {log}")
    subprocess.run(
        [sys.executable, "-m", "podcast_pipeline.cli", "episodes"],
        env=env,
        check=False,
    )
    return re.search(r"Marking run .* successful", text) is not None


def main() -> int:
    """Run the demo; 0 when the DAG run succeeded."""
    home = Path(os.environ.get("AIRFLOW_HOME", PROJECT / ".airflow"))
    feeds = os.environ.get("PODCAST_FEEDS", "").strip()
    if feeds:
        data_dir = Path(os.environ.get("PODCAST_DATA_DIR", PROJECT / ".data"))
        succeeded = run_dag(feeds, data_dir, home)
    else:
        audio = Path(os.environ.get("PODCAST_DEMO_AUDIO", DEFAULT_AUDIO))
        if not audio.is_file():
            print(
                f"demo: error: no speech clip at {audio} for the local feed: set "
                "PODCAST_DEMO_AUDIO, or PODCAST_FEEDS to real feeds",
                file=sys.stderr,
            )
            return 2
        data_dir = home / "demo-data"  # the feed's port changes: start afresh
        shutil.rmtree(data_dir, ignore_errors=True)
        with local_feed(audio) as feed_url:
            succeeded = run_dag(feed_url, data_dir, home)
    if not succeeded:
        print("demo: error: the DAG run failed (see the lines above)", file=sys.stderr)
        return 1
    print("demo: the DAG run succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
