"""Training data: --data, then $HEART_DATA, then the download cache."""

from pathlib import Path

import pytest

from heart_disease.datasource import (
    CACHED_TABLE,
    default_cache_dir,
    resolve_training_data,
)
from heart_disease.errors import DataNotFoundError


def test_explicit_path_wins(tmp_path: Path) -> None:
    chosen = resolve_training_data(
        tmp_path / "a.csv", {"HEART_DATA": "b.csv"}, tmp_path
    )
    assert chosen == tmp_path / "a.csv"


def test_environment_variable_comes_next(tmp_path: Path) -> None:
    (tmp_path / CACHED_TABLE).write_text("x", encoding="utf-8")
    assert resolve_training_data(None, {"HEART_DATA": "b.csv"}, tmp_path) == Path(
        "b.csv"
    )


def test_cached_download_is_the_fallback(tmp_path: Path) -> None:
    (tmp_path / CACHED_TABLE).write_text("x", encoding="utf-8")
    assert resolve_training_data(None, {}, tmp_path) == tmp_path / CACHED_TABLE


def test_nothing_available_says_how_to_get_data(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="heart-disease download"):
        resolve_training_data(None, {}, tmp_path)


def test_cache_directory_follows_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"HEART_DISEASE_CACHE": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "heart-disease"
    )
    assert default_cache_dir({"HOME": str(tmp_path)}) == (
        tmp_path / ".cache" / "heart-disease"
    )
