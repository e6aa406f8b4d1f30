"""The transcription step on a real store: a killed worker is retried, bad audio not."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from podcast_pipeline.models import FeedValidators, RetrySchedule
from podcast_pipeline.steps.transcripts import TranscribeOptions, transcribe_due
from podcast_pipeline.store import list_episodes, open_store, store_feed
from tests.store.helpers import FEED, episode, set_columns
from tests.support.media import make_mp3

RETRY_AT_ONCE = RetrySchedule(first_delay=timedelta(0))


def downloaded(engine: Engine, folder: Path, files: dict[str, bytes]) -> None:
    store_feed(engine, FEED, [episode(guid) for guid in files], FeedValidators())
    for guid, content in files.items():
        path = folder / f"{guid}.mp3"
        path.write_bytes(content)
        set_columns(engine, guid, download_status="downloaded", file_path=str(path))


def kill_first_worker(deadline: float) -> None:
    while time.monotonic() < deadline:
        children = multiprocessing.active_children()
        if children:
            os.kill(children[0].pid or 0, signal.SIGKILL)
            return
        time.sleep(0.01)


def test_a_killed_worker_is_a_transient_failure_retried_later(
    tmp_path: Path,
) -> None:
    engine = open_store(tmp_path / "p.db")
    audio = make_mp3(6.0)
    downloaded(engine, tmp_path, {"a": audio, "b": audio})
    killer = threading.Thread(target=kill_first_worker, args=(time.monotonic() + 60,))
    killer.start()
    options = TranscribeOptions(workers=2, schedule=RETRY_AT_ONCE)
    first = transcribe_due(engine, options)
    killer.join()
    assert first.failed >= 1
    rows = {row["guid"]: row for row in list_episodes(engine)}
    failed = [row for row in rows.values() if row["transcript"] is None]
    assert failed
    for row in failed:
        assert "worker process died" in row["transcript_error"]
        assert row["transcript_attempts"] == 1
        assert row["transcript_next_attempt_at"] is not None  # retried, not given up
    second = transcribe_due(engine, TranscribeOptions(workers=1))
    assert (second.attempted, second.transcribed) == (len(failed), len(failed))
    assert all(row["transcript"] is not None for row in list_episodes(engine))
    engine.dispose()


def test_undecodable_audio_is_a_permanent_failure(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "p.db")
    downloaded(engine, tmp_path, {"bad": b"<html>not audio</html>"})
    report = transcribe_due(
        engine, TranscribeOptions(workers=1, schedule=RETRY_AT_ONCE)
    )
    assert (report.failed, report.failures[0][0]) == (1, "t")
    [row] = list_episodes(engine)
    assert "not a readable audio file" in row["transcript_error"]
    assert row["transcript_next_attempt_at"] is None
    assert transcribe_due(engine, TranscribeOptions(workers=1)).attempted == 0
    engine.dispose()
