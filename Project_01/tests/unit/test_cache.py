"""The on-disk index cache: round trip, staleness, corruption."""

import os
from pathlib import Path

import numpy as np
import pytest

from movie_recommender.cache import load_index, save_index
from movie_recommender.engine import Engine
from movie_recommender.errors import CacheError
from movie_recommender.store import cache_folder, open_index


def _sources(folder: Path) -> list[Path]:
    return [folder / "movies.csv", folder / "ratings.csv"]


def test_saved_index_loads_back_identical(tiny_dir: Path, tmp_path: Path) -> None:
    built = open_index(tiny_dir, tmp_path / "index")
    folder = cache_folder(tiny_dir, tmp_path / "index")
    loaded = load_index(folder, _sources(tiny_dir))
    assert loaded.titles == built.titles
    assert np.array_equal(loaded.movie_ids, built.movie_ids)
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(
            getattr(loaded.by_user, name), getattr(built.by_user, name)
        )
    loaded_chars = loaded.title_vectors.char_matrix.toarray()
    assert np.array_equal(loaded_chars, built.title_vectors.char_matrix.toarray())
    assert Engine(loaded).search("godfater")[0].movie_id == 3


def test_changed_ratings_make_the_cache_stale(tiny_dir: Path, tmp_path: Path) -> None:
    open_index(tiny_dir, tmp_path / "index")
    with (tiny_dir / "ratings.csv").open("a", encoding="utf-8") as handle:
        handle.write("7,8,4.0,964982703\n")
    folder = cache_folder(tiny_dir, tmp_path / "index")
    with pytest.raises(CacheError, match="changed"):
        load_index(folder, _sources(tiny_dir))
    rebuilt = open_index(tiny_dir, tmp_path / "index")
    assert rebuilt.rating_counts[7] == 1


def test_touched_but_identical_file_keeps_the_cache(
    tiny_dir: Path, tmp_path: Path
) -> None:
    open_index(tiny_dir, tmp_path / "index")
    ratings = tiny_dir / "ratings.csv"
    os.utime(ratings, ns=(1, 1))
    folder = cache_folder(tiny_dir, tmp_path / "index")
    assert load_index(folder, _sources(tiny_dir)).n_items == 8


@pytest.mark.parametrize(
    "victim", ["by_user.data.npy", "by_item.indices.npy", "movie_ids.npy", "texts.json"]
)
def test_corrupt_cache_is_rebuilt_not_trusted(
    tiny_dir: Path, tmp_path: Path, victim: str
) -> None:
    open_index(tiny_dir, tmp_path / "index")
    folder = cache_folder(tiny_dir, tmp_path / "index")
    path = folder / victim
    damaged = bytearray(path.read_bytes())
    for position in range(len(damaged) // 2, len(damaged)):
        damaged[position] ^= 0xFF  # same size, garbage content
    path.write_bytes(bytes(damaged))
    with pytest.raises(CacheError, match="corrupt"):
        load_index(folder, _sources(tiny_dir))
    assert open_index(tiny_dir, tmp_path / "index").n_items == 8
    assert load_index(folder, _sources(tiny_dir)).n_items == 8


def test_truncated_or_missing_manifest_means_rebuild(
    tiny_dir: Path, tmp_path: Path
) -> None:
    open_index(tiny_dir, tmp_path / "index")
    folder = cache_folder(tiny_dir, tmp_path / "index")
    (folder / "by_item.indptr.npy").write_bytes(b"short")
    with pytest.raises(CacheError, match="corrupt"):
        load_index(folder, _sources(tiny_dir))
    (folder / "manifest.json").unlink()
    with pytest.raises(CacheError, match="manifest"):
        load_index(folder, _sources(tiny_dir))


def test_unwritable_cache_still_answers(tiny_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    assert open_index(tiny_dir, blocker).n_items == 8


def test_save_replaces_an_old_cache(tiny_dir: Path, tmp_path: Path) -> None:
    index = open_index(tiny_dir, tmp_path / "index")
    folder = cache_folder(tiny_dir, tmp_path / "index")
    save_index(index, _sources(tiny_dir), folder)
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]
