"""Import hygiene: the core never pulls in Airflow; the CLI starts light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after_importing(*modules: str) -> set[str]:
    result = subprocess.run(  # noqa: S603  (our interpreter, our probe)
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize(
    "module",
    [
        "podcast_pipeline.rss",
        "podcast_pipeline.store",
        "podcast_pipeline.steps.feeds",
        "podcast_pipeline.steps.downloads",
        "podcast_pipeline.steps.transcripts",
        "podcast_pipeline.runner",
        "podcast_pipeline.airflow_tasks",
    ],
)
def test_pipeline_modules_never_import_airflow(module: str) -> None:
    assert not {name for name in loaded_after_importing(module) if name == "airflow"}


def test_cli_module_imports_no_network_or_audio_libraries() -> None:
    loaded = loaded_after_importing("podcast_pipeline.cli")
    assert not loaded & {"requests", "numpy", "soundfile", "tqdm", "airflow"}
