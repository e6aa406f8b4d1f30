"""The real CLI in separate processes against the local fault server (issue 10)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from podcast_pipeline.store import list_episodes, open_store
from tests.support.media import Item, rss
from tests.support.server import Fault, FaultServer, Route


def cli(*argv: str) -> subprocess.Popen[str]:
    """Start ``podcast-pipeline ARGV`` in its own process."""
    return subprocess.Popen(  # noqa: S603  (our interpreter, our CLI)
        [sys.executable, "-m", "podcast_pipeline.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def run_once(data_dir: Path, feed: str, *options: str) -> tuple[int, str, str]:
    base = ["run", "--feed", feed, "--data-dir", str(data_dir), "--no-transcribe"]
    return finish(cli(*base, "--no-progress", "--log-level", "ERROR", *options))


def episodes(data_dir: Path) -> dict[str, dict[str, Any]]:
    engine = open_store(data_dir / "podcasts.db", create=False)
    try:
        return {row["guid"]: row for row in list_episodes(engine)}
    finally:
        engine.dispose()


def day(number: int) -> str:
    return f"Mon, {number:02d} Jan 2024 10:00:00 GMT"


def test_four_runs_at_once_fetch_every_body_once(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    server.latency = 0.05  # every request takes a while: the runs overlap
    routes = {f"e{n}": Route(mp3_bytes, etag=f'"{n}"') for n in range(12)}
    items = [
        Item(guid, guid=guid, audio_url=server.add(f"/{guid}.mp3", route))
        for guid, route in routes.items()
    ]
    feed = server.add("/feed.xml", Route(rss(items)))
    options = ("--max-episodes", "20", "--workers", "2")
    running = [
        cli("run", "--feed", feed, "--data-dir", str(tmp_path), "--no-transcribe",
            "--no-progress", *options)
        for _ in range(4)
    ]  # fmt: skip
    results = [finish(process) for process in running]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    stored = episodes(tmp_path)
    assert {row["download_status"] for row in stored.values()} == {"downloaded"}
    fetched = {guid: len(route.requests) for guid, route in routes.items()}
    assert fetched == dict.fromkeys(routes, 1)  # each body fetched once
    downloaded = sum(
        int(out.split("downloads: ")[1].split()[0]) for _, out, _ in results
    )
    assert downloaded == 12


def test_a_file_changed_between_drop_and_resume_is_stored_whole(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    changed = mp3_bytes[::-1]
    drop = Fault("drop", cut_at=len(mp3_bytes) // 2, replace_with=(changed, '"v2"'))
    audio = server.add("/a.mp3", Route(mp3_bytes, etag='"v1"', faults=[drop]))
    feed = server.add("/feed.xml", Route(rss([Item("A", guid="a", audio_url=audio)])))
    code, _, err = run_once(tmp_path, feed)
    assert code == 0, err
    row = episodes(tmp_path)["a"]
    assert row["sha256"] == hashlib.sha256(changed).hexdigest()
    assert Path(row["file_path"]).read_bytes() == changed


def test_a_malformed_enclosure_url_stays_local_over_two_runs(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    items = [
        Item("Newest", guid="n", audio_url=server.add("/n.mp3", Route(mp3_bytes)),
             pub_date=day(3)),
        Item("Broken", guid="bad", audio_url="http://[oops/x.mp3", pub_date=day(2)),
        Item("Older", guid="o", audio_url=server.add("/o.mp3", Route(mp3_bytes)),
             pub_date=day(1)),
    ]  # fmt: skip
    feed = server.add("/feed.xml", Route(rss(items), etag='"f1"'))
    code, out, err = run_once(tmp_path, feed)
    assert code == 1
    assert "failed download 'Broken': refused unparsable audio URL" in out
    assert err == "podcast-pipeline: error: 1 download(s) failed: 'Broken'\n"
    stored = episodes(tmp_path)
    assert {guid: row["download_status"] for guid, row in stored.items()} == {
        "n": "downloaded",
        "bad": "refused",
        "o": "downloaded",
    }
    code, out, err = run_once(tmp_path, feed)
    assert (code, err) == (0, "")
    assert "downloads: 0 of 0 downloaded" in out


def test_dead_newest_links_never_starve_older_good_episodes(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    dead = [
        Item(f"Dead {n}", guid=f"dead{n}", audio_url=server.url(f"/dead{n}.mp3"),
             pub_date=day(20 + n))
        for n in range(6)
    ]  # fmt: skip
    good_routes = {f"good{n}": Route(mp3_bytes) for n in range(3)}
    good = [
        Item(guid, guid=guid, audio_url=server.add(f"/{guid}.mp3", route),
             pub_date=day(1 + n))
        for n, (guid, route) in enumerate(good_routes.items())
    ]  # fmt: skip
    feed = server.add("/feed.xml", Route(rss(dead + good), etag='"f"'))
    codes = [run_once(tmp_path, feed, "--max-episodes", "5")[0] for _ in range(3)]
    assert codes == [1, 1, 0]  # runs with a failed (404) episode exit 1
    stored = episodes(tmp_path)
    assert {stored[guid]["download_status"] for guid in good_routes} == {"downloaded"}
    assert {stored[f"dead{n}"]["download_status"] for n in range(6)} == {"refused"}
    assert {stored[f"dead{n}"]["download_attempts"] for n in range(6)} == {1}
    assert [len(route.requests) for route in good_routes.values()] == [1, 1, 1]


def test_a_trickling_body_is_stopped_at_the_file_time_limit(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    trickle = Fault("trickle", cut_at=200, delay=0.1)  # ~20 s for the whole file
    audio = server.add("/slow.mp3", Route(mp3_bytes, etag='"s"', faults=[trickle]))
    feed = server.add(
        "/feed.xml", Route(rss([Item("Slow", guid="s", audio_url=audio)]))
    )
    started = time.monotonic()
    code, out, _ = run_once(tmp_path, feed, "--file-time-limit", "2")
    elapsed = time.monotonic() - started
    assert code == 1
    assert "still incomplete after the 2 s limit per file" in out
    assert elapsed < 15  # interpreter start-up included; the body alone takes ~20 s
    row = episodes(tmp_path)["s"]
    assert (row["download_status"], row["download_attempts"]) == ("failed", 1)
    assert row["next_attempt_at"] is not None
    [partial] = (tmp_path / "audio").rglob("*.part")
    assert 0 < partial.stat().st_size < len(mp3_bytes)


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_run_summary_names_the_failed_episodes(
    server: FaultServer, tmp_path: Path, output_format: str
) -> None:
    feed = server.add(
        "/feed.xml",
        Route(rss([Item("Gone", guid="g", audio_url=server.url("/gone.mp3"))])),
    )
    code, out, err = run_once(tmp_path, feed, "--format", output_format)
    assert code == 1
    assert err == "podcast-pipeline: error: 1 download(s) failed: 'Gone'\n"
    if output_format == "json":
        summary = json.loads(out)
        assert summary["downloads"]["failures"] == [
            ["Gone", f"{server.url('/gone.mp3')} answered HTTP 404 (gone)"]
        ]
    else:
        assert "failed download 'Gone': " in out
