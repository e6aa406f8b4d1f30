"""podcast-pipeline requeue: given-up and refused episodes due again, on each store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from podcast_pipeline.cli import main
from podcast_pipeline.errors import InputError
from podcast_pipeline.models import FeedValidators
from podcast_pipeline.store import list_episodes, requeue, store_feed
from tests.store.helpers import FEED, episode, set_columns

OTHER = "https://example.org/other"


def stocked(store: Engine) -> None:
    """One episode in every state a requeue distinguishes."""
    store_feed(store, FEED, [episode(g) for g in ("gone", "ref", "fail", "ok", "tx")],
               FeedValidators())  # fmt: skip
    store_feed(store, OTHER, [episode("other", feed=OTHER)], FeedValidators())
    given_up = {"download_status": "gave-up", "download_attempts": 6}
    set_columns(store, "gone", **given_up, download_error="HTTP 503")
    set_columns(store, "other", **given_up)
    set_columns(store, "ref", download_status="refused", download_attempts=1)
    set_columns(store, "fail", download_status="failed", download_attempts=2,
                next_attempt_at="2999-01-01T00:00:00Z")  # fmt: skip
    set_columns(store, "ok", download_status="downloaded", transcript="text")
    set_columns(store, "tx", download_status="downloaded", transcript_error="died",
                transcript_attempts=6)  # fmt: skip


def by_guid(store: Engine) -> dict[str, dict[str, Any]]:
    return {row["guid"]: row for row in list_episodes(store)}


def test_requeue_makes_given_up_and_refused_episodes_due_again(store: Engine) -> None:
    stocked(store)
    result = requeue(store)
    assert (result.downloads, result.transcriptions) == (3, 1)
    assert result.summary() == "requeued 3 download(s) and 1 transcription(s)"
    rows = by_guid(store)
    for guid in ("gone", "ref", "other"):
        row = rows[guid]
        assert (row["download_status"], row["download_attempts"]) == ("pending", 0)
        assert row["download_error"] is None
    assert rows["fail"]["download_status"] == "failed"  # not asked for
    assert (rows["tx"]["transcript_error"], rows["tx"]["transcript_attempts"]) == (
        None,
        0,
    )
    assert rows["ok"]["transcript"] == "text"


def test_requeue_by_feed_status_and_episode_id(store: Engine) -> None:
    stocked(store)
    assert requeue(store, feeds=[OTHER]).downloads == 1
    assert requeue(store, statuses=["failed"]).downloads == 1
    assert by_guid(store)["fail"]["next_attempt_at"] is None
    ref_id = by_guid(store)["ref"]["id"]
    assert requeue(store, episode_ids=[ref_id]).downloads == 1
    assert by_guid(store)["gone"]["download_status"] == "gave-up"


def test_requeue_refuses_an_unknown_status(store: Engine) -> None:
    with pytest.raises(InputError, match="cannot requeue status pending"):
        requeue(store, statuses=["pending"])


def test_the_requeue_command_prints_one_line(
    store_target: str, store: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stocked(store)
    argv = ["requeue", "--db", store_target, "--data-dir", str(tmp_path)]
    assert main([*argv, "--feed", FEED, "--status", "gave-up"]) == 0
    assert capsys.readouterr().out == "requeued 1 download(s) and 1 transcription(s)\n"
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"downloads": 2, "transcriptions": 0}
