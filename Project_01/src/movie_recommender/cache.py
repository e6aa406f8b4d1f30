"""Store a built index on disk and load it back, keyed by the input files.

Arrays go to ``.npy``/``.npz`` files read with ``allow_pickle=False``; texts to
JSON. A manifest records each source file's size, mtime and sha256 and each
cache file's size; anything missing, stale or unreadable means "rebuild".
"""

import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.errors import CacheError
from movie_recommender.index import MovieIndex
from movie_recommender.matching import TitleVectors

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_MATRICES = ("by_user", "by_item", "word_matrix", "char_matrix")
_ARRAYS = ("movie_ids", "years", "word_idf", "char_idf")


def file_digest(path: Path) -> str:
    """Return the sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_sources(sources: list[Path]) -> dict[str, dict[str, Any]]:
    """Size, mtime and sha256 of each input file (the cache key)."""
    described = {}
    for path in sources:
        status = path.stat()
        described[path.name] = {
            "size": status.st_size,
            "mtime_ns": status.st_mtime_ns,
            "sha256": file_digest(path),
        }
    return described


def sources_match(recorded: dict[str, dict[str, Any]], sources: list[Path]) -> bool:
    """Tell whether the input files are those the cache was built from.

    Size and mtime are compared first; the sha256 is recomputed only when the size
    is unchanged but the mtime moved (a touched or copied file).
    """
    if sorted(recorded) != sorted(path.name for path in sources):
        return False
    for path in sources:
        status, entry = path.stat(), recorded[path.name]
        if status.st_size != entry["size"]:
            return False
        if (
            status.st_mtime_ns != entry["mtime_ns"]
            and file_digest(path) != entry["sha256"]
        ):
            return False
    return True


def _manifest(index: MovieIndex, sources: list[Path], folder: Path) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "sources": describe_sources(sources),
        "shapes": {"n_users": index.n_users, "n_items": index.n_items},
        "files": {
            path.name: path.stat().st_size
            for path in sorted(folder.iterdir())
            if path.name != MANIFEST
        },
    }


def save_index(index: MovieIndex, sources: list[Path], folder: Path) -> None:
    """Write the index atomically: into a sibling temporary folder, then rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        vectors = index.title_vectors
        matrices = {
            "by_user": index.by_user,
            "by_item": index.by_item,
            "word_matrix": vectors.word_matrix,
            "char_matrix": vectors.char_matrix,
        }
        for name, matrix in matrices.items():
            sp.save_npz(staging / f"{name}.npz", matrix, compressed=False)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "movie_ids": index.movie_ids,
            "years": index.years,
            "word_idf": vectors.word_idf,
            "char_idf": vectors.char_idf,
        }
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", array, allow_pickle=False)
        texts = {
            "titles": index.titles,
            "genres": index.genres,
            "word_vocabulary": vectors.word_vocabulary,
            "char_vocabulary": vectors.char_vocabulary,
        }
        (staging / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        manifest = _manifest(index, sources, staging)
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=1), encoding="utf-8"
        )
        if folder.exists():
            shutil.rmtree(folder)
        staging.replace(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("saved index to %s", folder)


def _read_manifest(folder: Path, sources: list[Path]) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise CacheError(f"no readable manifest in {folder}") from error
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CacheError("cache format changed")
    if not sources_match(manifest.get("sources", {}), sources):
        raise CacheError("the data files changed since the index was built")
    for name, size in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            raise CacheError(f"cache file {name} is missing or truncated")
    return manifest


def load_index(folder: Path, sources: list[Path]) -> MovieIndex:
    """Load an index saved by :func:`save_index` for exactly these sources.

    Raises:
        CacheError: when the cache is absent, stale or corrupt.
    """
    manifest = _read_manifest(folder, sources)
    try:
        matrices = {name: sp.load_npz(folder / f"{name}.npz") for name in _MATRICES}
        arrays = {
            name: np.load(folder / f"{name}.npy", allow_pickle=False)
            for name in _ARRAYS
        }
        texts = json.loads((folder / "texts.json").read_text("utf-8"))
        index = MovieIndex(
            movie_ids=arrays["movie_ids"],
            titles=texts["titles"],
            genres=texts["genres"],
            years=arrays["years"],
            by_user=sp.csr_matrix(matrices["by_user"]),
            by_item=sp.csc_matrix(matrices["by_item"]),
            title_vectors=TitleVectors(
                word_vocabulary=texts["word_vocabulary"],
                word_idf=arrays["word_idf"],
                char_vocabulary=texts["char_vocabulary"],
                char_idf=arrays["char_idf"],
                word_matrix=sp.csr_matrix(matrices["word_matrix"]),
                char_matrix=sp.csr_matrix(matrices["char_matrix"]),
            ),
        )
        _check_consistent(index, manifest)
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        EOFError,
        zipfile.BadZipFile,
    ) as error:
        raise CacheError(f"corrupt cache in {folder}: {error}") from error
    return index


def _check_consistent(index: MovieIndex, manifest: dict[str, Any]) -> None:
    shapes = manifest["shapes"]
    n_users, n_items = shapes["n_users"], shapes["n_items"]
    vectors = index.title_vectors
    problems = [
        index.by_user.shape != (n_users, n_items),
        index.by_item.shape != (n_users, n_items),
        index.by_user.nnz != index.by_item.nnz,
        len(index.titles) != n_items or len(index.genres) != n_items,
        index.movie_ids.shape != (n_items,) or index.years.shape != (n_items,),
        vectors.word_matrix.shape != (2 * n_items, len(vectors.word_vocabulary)),
        vectors.char_matrix.shape != (2 * n_items, len(vectors.char_vocabulary)),
        vectors.word_idf.shape != (len(vectors.word_vocabulary),),
        vectors.char_idf.shape != (len(vectors.char_vocabulary),),
    ]
    if any(problems):
        raise ValueError("arrays disagree with the manifest")
    for matrix in (index.by_user, index.by_item):
        matrix.check_format(full_check=True)
