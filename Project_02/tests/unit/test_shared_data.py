"""How the integration tests find the shared data: variable, cwd, default, CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.data import shared_file

VARIABLE = "PODCAST_TEST_VALUE"


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "clip.mp3"
    path.parent.mkdir()
    path.write_bytes(b"x")
    return path


def test_relative_value_is_resolved_from_the_current_directory(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(VARIABLE, "data/clip.mp3")
    assert shared_file(VARIABLE, tmp_path / "nowhere") == data_file


def test_unset_variable_uses_the_default(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    assert shared_file(VARIABLE, data_file) == data_file


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "PODCAST_TEST_VALUE is not set and the default {tmp}/none does not exist"),
        ("gone.mp3", "PODCAST_TEST_VALUE=gone.mp3 ({tmp}/gone.mp3) is not a file"),
    ],
)
@pytest.mark.parametrize("ci", ["", "true"])
def test_missing_data_skips_with_the_path_tried_and_fails_on_ci(
    value: str, message: str, ci: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(VARIABLE, value)
    monkeypatch.setenv("CI", ci)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome) as raised:
        shared_file(VARIABLE, tmp_path / "none")
    assert message.format(tmp=tmp_path) in str(raised.value)
