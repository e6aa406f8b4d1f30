"""The on-disk index cache: round trip, staleness, corruption."""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from movie_recommender.cache import load_index, save_index
from movie_recommender.cli import main
from movie_recommender.engine import Engine
from movie_recommender.errors import CacheError
from movie_recommender.staging import LEGACY_AGE_SECONDS
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


DEAD_PID = 2**22 + 1  # above the kernel's pid_max: never a live process


def test_build_removes_staging_folders_of_killed_builds(
    tiny_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "index"
    abandoned = root / f".tiny-0123.staging-{DEAD_PID}-x1y2"
    legacy = root / "tmpab12cd34"
    for folder in (abandoned, legacy):
        folder.mkdir(parents=True)
        (folder / "by_user.data.npy").write_bytes(b"half written")
    old = time.time() - 2 * LEGACY_AGE_SECONDS
    os.utime(legacy, (old, old))
    live = root / f".tiny-0123.staging-{os.getpid()}-a1b2"  # a build still running
    live.mkdir()
    open_index(tiny_dir, root)
    names = sorted(path.name for path in root.iterdir())
    assert names == sorted([cache_folder(tiny_dir, root).name, live.name])


def test_interrupted_build_leaves_no_staging_folder(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "index"
    built = open_index(tiny_dir, root)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("movie_recommender.cache.file_digest", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_index(built, _sources(tiny_dir), root / "again")
    assert sorted(path.name for path in root.iterdir()) == [
        cache_folder(tiny_dir, root).name
    ]


def test_cache_info_and_clear(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    open_index(tiny_dir, cache / "index")
    dataset = cache / "datasets" / "ml-latest-small"
    dataset.mkdir(parents=True)
    (dataset / "ratings.csv").write_text("userId,movieId,rating\n", encoding="utf-8")
    stranger = cache / "index" / "notes"  # not ours: never listed nor removed
    stranger.mkdir()
    assert main(["cache", "info", "--cache-dir", str(cache), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [entry["kind"] for entry in info["entries"]] == ["index", "dataset"]
    assert info["bytes"] > 0
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert capsys.readouterr().out.startswith("removed 1 folders")
    assert sorted(path.name for path in (cache / "index").iterdir()) == ["notes"]
    assert dataset.is_dir()
    assert main(["cache", "clear", "--datasets", "--cache-dir", str(cache)]) == 0
    assert not dataset.exists()
    assert main(["cache", "info", "--cache-dir", str(cache)]) == 0
    assert "is empty" in capsys.readouterr().out
