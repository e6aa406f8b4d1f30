"""The DAG's task helpers that need no Airflow: names, claim owner, run summary.

The task functions themselves run inside Airflow in tests/integration/test_dag.py
(``dag.test()`` on a ``file://`` and on a remote ``memory://`` root) and on the
distributed stack in tests/stack/.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from podcast_pipeline import airflow_tasks


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
