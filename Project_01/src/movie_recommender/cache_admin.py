"""What the cache holds, and clearing it (``movie-recs cache info|clear``).

Only folders this package writes are listed or removed: index folders (they hold a
manifest), downloaded data sets (named after a known data set) and staging folders.
A ``--cache-dir`` pointed at the wrong place therefore cannot lose other files.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from movie_recommender.cache import MANIFEST
from movie_recommender.download import DATASETS
from movie_recommender.staging import is_abandoned, is_staging

INDEX = "index"
DATASETS_FOLDER = "datasets"


@dataclass(frozen=True)
class CacheEntry:
    """One folder of the cache.

    Attributes:
        kind: ``index``, ``dataset`` or ``temporary`` (an unfinished write).
        path: the folder.
        size_bytes: total size of its files.
    """

    kind: str
    path: Path
    size_bytes: int


def _size(folder: Path) -> int:
    return sum(
        path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def _kind(folder: Path, section: str) -> str | None:
    if is_staging(folder):
        return "temporary"
    if section == INDEX and (folder / MANIFEST).is_file():
        return "index"
    if section == DATASETS_FOLDER and folder.name in DATASETS:
        return "dataset"
    return None


def cache_entries(root: Path) -> list[CacheEntry]:
    """List the index, data set and temporary folders under a cache root."""
    entries = []
    for section in (INDEX, DATASETS_FOLDER):
        parent = root / section
        if not parent.is_dir():
            continue
        for folder in sorted(parent.iterdir()):
            if not folder.is_dir() or folder.is_symlink():
                continue
            kind = _kind(folder, section)
            if kind is not None:
                entries.append(CacheEntry(kind, folder, _size(folder)))
    return entries


def clear_cache(root: Path, *, datasets: bool = False) -> list[CacheEntry]:
    """Remove the built indexes and abandoned temporary folders (data sets if asked).

    Returns:
        The entries removed.
    """
    removed: list[CacheEntry] = []
    for entry in cache_entries(root):
        if entry.kind == "dataset" and not datasets:
            continue
        if entry.kind == "temporary" and not is_abandoned(entry.path):
            continue  # another process is writing it right now
        shutil.rmtree(entry.path)
        removed.append(entry)
    return removed
