"""Rendering of episodes and run summaries."""

from __future__ import annotations

import json
from typing import Any

from podcast_pipeline.report import (
    episode_status,
    episodes_json,
    episodes_table,
    run_summary_text,
)
from podcast_pipeline.runner import RunSummary
from podcast_pipeline.steps.downloads import DownloadReport
from podcast_pipeline.steps.feeds import FeedReport
from podcast_pipeline.steps.transcripts import TranscribeReport


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1,
        "title": "An episode",
        "published_at": "2024-01-02T10:00:00Z",
        "download_status": "downloaded",
        "file_bytes": 2_500_000,
        "download_error": None,
        "transcript": None,
        "transcript_error": None,
    }
    return base | values


def test_status_prefers_transcribed() -> None:
    assert episode_status(row()) == "downloaded"
    assert episode_status(row(transcript="hello")) == "transcribed"


def test_table_shows_size_words_errors_and_count() -> None:
    table = episodes_table(
        [
            row(transcript="hello there world"),
            row(
                id=2,
                download_status="failed",
                file_bytes=None,
                download_error="HTTP 503",
                title="x" * 60,
            ),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split() == [
        "id",
        "published",
        "status",
        "MB",
        "transcript",
        "title",
    ]
    for cell in ("2.5", "3 words", "transcribed"):
        assert cell in lines[2]
    assert lines[3].endswith("…")
    assert lines[4].strip() == "error: HTTP 503"
    assert lines[-1] == "2 episodes"


def test_json_has_every_column_and_status() -> None:
    [item] = json.loads(episodes_json([row(title="Café")]))
    assert item["status"] == "downloaded"
    assert item["title"] == "Café"


def test_run_summary_lists_failures() -> None:
    summary = RunSummary(
        fetched=FeedReport(
            done=("a",), failures=(("b", "HTTP 404"),), bytes_received=10
        ),
        stored=FeedReport(done=("a",), failures=(), new_episodes=3),
        downloads=DownloadReport(2, 1, 1, 0, 2_000_000, 1.5),
        transcripts=TranscribeReport(1, 1, 0, 0, 60.0, 6.0),
    )
    text = run_summary_text(summary)
    assert "1 fetched (0 unchanged, 10 bytes), 1 failed; 3 new episodes stored" in text
    assert "downloads: 1 of 2 downloaded, 1 failed, 0 refused; 2.0 MB in 1.5 s" in text
    assert "transcripts: 1 of 1 transcribed, 0 failed, 0 refused" in text
    assert text.splitlines()[-1] == "failed feed b: HTTP 404"
