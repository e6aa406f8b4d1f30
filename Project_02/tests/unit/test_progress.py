"""The tqdm progress reporter."""

from __future__ import annotations

import pytest

from podcast_pipeline.progress import TqdmProgress


def test_bars_count_steps_per_phase(capsys: pytest.CaptureFixture[str]) -> None:
    progress = TqdmProgress(enabled=True)
    progress.begin("downloads", 2)
    progress.step("first episode")
    progress.step("second episode")
    progress.begin("transcripts", 1)  # closes the downloads bar
    progress.step("a.mp3")
    progress.end()
    progress.end()  # idempotent
    err = capsys.readouterr().err
    assert "downloads: 100%" in err
    assert "2/2" in err
    assert "transcripts: 100%" in err


def test_hidden_bars_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress = TqdmProgress(enabled=False)
    progress.begin("downloads", 1)
    progress.step("x")
    progress.end()
    assert capsys.readouterr().err == ""
