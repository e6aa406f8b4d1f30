"""The DAG's task helpers that need no Airflow: names, claim owner, failures, summary.

The task functions themselves run inside Airflow in tests/integration/test_dag.py
(``dag.test()`` on a ``file://`` and on a remote ``memory://`` root) and on the
distributed stack in tests/stack/.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from podcast_pipeline import airflow_tasks
from podcast_pipeline.steps.transcripts import TranscribeReport


def test_episode_label_names_guid_and_a_short_title() -> None:
    claim = {"guid": "ep-7", "title": "A" * 100}
    assert airflow_tasks.episode_label(claim) == f"ep-7: {'A' * 60}"


def test_claims_of_one_run_share_an_owner_across_retries() -> None:
    owner = airflow_tasks.run_owner("manual__2026-01-01T00:00:00")
    assert owner == "airflow:manual__2026-01-01T00:00:00"
    assert owner == airflow_tasks.run_owner("manual__2026-01-01T00:00:00")


@pytest.mark.parametrize(
    ("context", "line"),
    [
        (
            {
                "run_id": "r1",
                "reason": "task_failure",
                "ti": SimpleNamespace(
                    task_id="episode.download", map_index=3, try_number=4
                ),
            },
            "podcast_summary run r1 failed (task_failure); "
            "last task episode.download[3], try 4",
        ),
        (
            {
                "run_id": "r2",
                "ti": SimpleNamespace(task_id="fetch_feeds", map_index=-1),
            },
            "podcast_summary run r2 failed (a task failed); "
            "last task fetch_feeds, try ?",
        ),
        ({"run_id": "r3"}, "podcast_summary run r3 failed (a task failed)"),
    ],
)
def test_run_summary_is_one_line(context: dict[str, object], line: str) -> None:
    assert airflow_tasks.run_summary(context) == line


@pytest.mark.parametrize(
    ("permanent", "raised"),
    [
        (True, airflow_tasks.EpisodeRefusedError),
        (False, airflow_tasks.EpisodeRetryError),
    ],
)
def test_a_permanent_failure_is_refused_and_a_transient_one_retried(
    permanent: bool, raised: type[Exception]
) -> None:
    failure = airflow_tasks.episode_failure("ep-1", "HTTP 404", permanent=permanent)
    assert isinstance(failure, raised)
    assert str(failure) == "ep-1: HTTP 404"


def transcribed(failed: int, refused: int, error: str = "") -> TranscribeReport:
    """The report of one episode's transcription."""
    failures = (("Title", error),) if failed + refused else ()
    return TranscribeReport(
        1, 1 - failed - refused, failed, refused, 1.0, 0.1, failures
    )


@pytest.mark.parametrize(
    ("report", "raised", "message"),
    [
        (
            transcribed(0, 1, "not a readable audio file: x.mp3"),
            airflow_tasks.EpisodeRefusedError,
            "ep-1: not a readable audio file: x.mp3",
        ),
        (
            transcribed(1, 0, "a worker process died (killed by SIGKILL)"),
            airflow_tasks.EpisodeRetryError,
            "ep-1: a worker process died (killed by SIGKILL)",
        ),
    ],
)
def test_a_transcription_task_fails_as_its_report_says(
    report: TranscribeReport, raised: type[Exception], message: str
) -> None:
    failure = airflow_tasks.transcription_failure("ep-1", report)
    assert isinstance(failure, raised)
    assert str(failure) == message


def test_a_transcribed_episode_raises_nothing() -> None:
    assert airflow_tasks.transcription_failure("ep-1", transcribed(0, 0)) is None
