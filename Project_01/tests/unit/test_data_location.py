"""Where the integration tests look for ml-latest-small, and what they say."""

from pathlib import Path

import pytest

from conftest import SHARED_MOVIELENS, resolve_movielens_dir


def test_relative_value_is_resolved_from_where_it_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shared" / "ml").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "shared")
    monkeypatch.setenv("MOVIELENS_DIR", "./ml")
    folder, origin = resolve_movielens_dir()
    assert folder == tmp_path / "shared" / "ml"
    assert origin == f"MOVIELENS_DIR=./ml (resolved to {folder})"


def test_unset_means_the_shared_data_beside_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MOVIELENS_DIR", raising=False)
    folder, origin = resolve_movielens_dir()
    repository = Path(__file__).resolve().parents[3]
    assert folder == repository.parent / "shared/data/movielens/ml-latest-small"
    assert folder == SHARED_MOVIELENS
    assert origin.startswith("MOVIELENS_DIR is not set and the default /")
