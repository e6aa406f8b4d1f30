"""Where the integration tests find heart.csv, and what they say when they cannot."""

from pathlib import Path

import pytest

from tests.conftest import DEFAULT_HEART_DATA, resolve_heart_data


def test_a_relative_heart_data_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "heart.csv").write_text("Age\n1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert resolve_heart_data({"HEART_DATA": "data/heart.csv"}) == (
        tmp_path / "data" / "heart.csv"
    )


def test_a_missing_heart_data_names_the_value_and_the_resolved_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    reason = resolve_heart_data({"HEART_DATA": "../nowhere.csv"})
    assert reason == (
        f"HEART_DATA=../nowhere.csv (resolved to {tmp_path.parent / 'nowhere.csv'}) "
        "is not a file"
    )


def test_unset_heart_data_falls_back_to_the_shared_copy_beside_the_repository() -> None:
    found = resolve_heart_data({})
    if DEFAULT_HEART_DATA.is_file():
        assert found == DEFAULT_HEART_DATA
    else:
        assert found == (
            f"HEART_DATA is unset and the default {DEFAULT_HEART_DATA} does not exist"
        )
    assert DEFAULT_HEART_DATA.parts[-4:] == ("shared", "data", "heart", "heart.csv")
