"""The transcription step on a real store: dead workers are retried, bad audio not."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import Engine

from podcast_pipeline.models import FeedValidators, RetrySchedule
from podcast_pipeline.steps.transcripts import TranscribeOptions, transcribe_due
from podcast_pipeline.store import list_episodes, open_store, store_feed
from tests.store.helpers import FEED, episode, set_columns
from tests.support.media import make_mp3

RETRY_AT_ONCE = RetrySchedule(first_delay=timedelta(0))
PROC = Path("/proc")
needs_proc = pytest.mark.skipif(
    not (PROC / "self" / "fd").is_dir(),
    reason="needs Linux /proc to find a worker process that is transcribing",
)


def downloaded(engine: Engine, folder: Path, files_by_guid: dict[str, bytes]) -> None:
    store_feed(engine, FEED, [episode(g) for g in files_by_guid], FeedValidators())
    for guid, content in files_by_guid.items():
        path = folder / f"{guid}.mp3"
        path.write_bytes(content)
        set_columns(engine, guid, download_status="downloaded", file_path=str(path))


def children_of(parent: int) -> list[int]:
    """Ids of parent's child processes, from /proc (no reaping: safe in any thread)."""
    children = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
            fields = stat.read_text(encoding="utf-8").rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def is_a_worker_transcribing(pid: int) -> bool:
    """True for a spawned worker (not a fork yet to exec) that loaded PocketSphinx.

    Workers load the engine on their first file, so such a worker is busy.
    """
    try:
        cmdline = (PROC / str(pid) / "cmdline").read_bytes()
        maps = (PROC / str(pid) / "maps").read_text(encoding="utf-8")
    except OSError:  # ended meanwhile
        return False
    return b"--multiprocessing-fork" in cmdline and "_pocketsphinx" in maps


def kill_a_worker_mid_file(done: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first worker seen transcribing, unless the step is done first.

    Six seconds of audio keep a worker busy for seconds, against a 10 ms poll.
    """
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        for pid in children_of(os.getpid()):
            if is_a_worker_transcribing(pid):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.01)


@needs_proc
def test_a_worker_killed_mid_file_is_a_transient_failure_retried_later(
    tmp_path: Path,
) -> None:
    engine = open_store(tmp_path / "p.db")
    audio = make_mp3(6.0)
    downloaded(engine, tmp_path, {"a": audio, "b": audio})
    done, killed = threading.Event(), list[int]()
    killer = threading.Thread(target=kill_a_worker_mid_file, args=(done, killed))
    killer.start()
    try:
        first = transcribe_due(
            engine, TranscribeOptions(workers=2, schedule=RETRY_AT_ONCE)
        )
    finally:
        done.set()
        killer.join()

    assert killed, "no worker was seen transcribing"
    assert (first.attempted, first.transcribed, first.failed) == (2, 1, 1)
    assert first.refused == 0
    [failed] = [row for row in list_episodes(engine) if row["transcript"] is None]
    assert failed["transcript_error"].endswith(
        f"{failed['guid']}.mp3 failed: a worker process died (killed by SIGKILL)"
    )
    assert failed["transcript_attempts"] == 1
    assert failed["transcript_next_attempt_at"] is not None  # retried, not given up
    assert not multiprocessing.active_children()

    second = transcribe_due(engine, TranscribeOptions(workers=1))
    assert (second.attempted, second.transcribed) == (1, 1)
    assert all(row["transcript"] is not None for row in list_episodes(engine))
    engine.dispose()


@pytest.fixture
def model_that_kills_its_process(tmp_path: Path) -> Path:
    """The bundled PocketSphinx model with a corrupt ``means`` file.

    It passes the cheap checks, but loading it makes PocketSphinx exit the
    whole process: every worker dies on its first file.
    """
    bundled = Path(str(files("pocketsphinx") / "model" / "en-us"))
    model = tmp_path / "model"
    (model / "en-us").mkdir(parents=True)
    for entry in bundled.iterdir():
        if entry.is_file():
            (model / entry.name).symlink_to(entry)
    for entry in (bundled / "en-us").iterdir():
        if entry.name != "means":
            (model / "en-us" / entry.name).symlink_to(entry)
    (model / "en-us" / "means").write_bytes(b"not a means file")
    return model


def test_workers_dying_on_every_file_fail_each_transiently(
    tmp_path: Path, model_that_kills_its_process: Path
) -> None:
    engine = open_store(tmp_path / "p.db")
    guids = [f"e{number}" for number in range(8)]
    downloaded(engine, tmp_path, dict.fromkeys(guids, make_mp3(1.0)))
    options = TranscribeOptions(
        workers=2, model_dir=model_that_kills_its_process, schedule=RETRY_AT_ONCE
    )

    report = transcribe_due(engine, options)

    assert (report.attempted, report.failed, report.refused) == (8, 8, 0)
    errors = [row["transcript_error"] for row in list_episodes(engine)]
    assert sum("worker process died (exit code 1)" in e for e in errors) == 4
    assert sum("not started: 4 worker processes died" in e for e in errors) == 4
    for row in list_episodes(engine):
        assert row["transcript_attempts"] == 1
        assert row["transcript_next_attempt_at"] is not None  # transient
    assert not multiprocessing.active_children()
    engine.dispose()


def test_undecodable_audio_is_a_permanent_failure(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "p.db")
    downloaded(engine, tmp_path, {"bad": b"<html>not audio</html>"})
    report = transcribe_due(
        engine, TranscribeOptions(workers=1, schedule=RETRY_AT_ONCE)
    )
    assert (report.transcribed, report.failed, report.refused) == (0, 0, 1)
    assert report.failures[0][0] == "t"
    [row] = list_episodes(engine)
    assert "not a readable audio file" in row["transcript_error"]
    assert row["transcript_next_attempt_at"] is None
    assert transcribe_due(engine, TranscribeOptions(workers=1)).attempted == 0
    engine.dispose()


def test_the_report_tells_refused_audio_from_transcribed(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "p.db")
    downloaded(engine, tmp_path, {"good": make_mp3(1.0), "bad": b"\xff\xfb" * 500})
    report = transcribe_due(engine, TranscribeOptions(workers=1))
    assert (report.attempted, report.transcribed, report.failed, report.refused) == (
        2,
        1,
        0,
        1,
    )
    [(_, error)] = report.failures
    assert error.startswith("not a readable audio file")
    engine.dispose()
