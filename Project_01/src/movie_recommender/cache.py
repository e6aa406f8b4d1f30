"""Store a built index on disk and load it back, keyed by the input files.

Arrays go to ``.npy`` files, memory-mapped with ``allow_pickle=False`` (no pickle);
texts to JSON. A manifest records each source file's size, mtime and sha256, and
each array's CRC-32; anything missing, stale, damaged or inconsistent means
"rebuild", never "trust".
"""

import hashlib
import json
import logging
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.errors import CacheError
from movie_recommender.index import MovieIndex
from movie_recommender.matching import TitleVectors
from movie_recommender.staging import staged_folder

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
_PARTS = ("data", "indices", "indptr")


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


def _arrays(index: MovieIndex) -> dict[str, npt.NDArray[Any]]:
    vectors = index.title_vectors
    arrays: dict[str, npt.NDArray[Any]] = {
        "movie_ids": index.movie_ids,
        "user_ids": index.user_ids,
        "years": index.years,
        "word_idf": vectors.word_idf,
        "char_idf": vectors.char_idf,
    }
    matrices = {
        "by_user": index.by_user,
        "by_item": index.by_item,
        "word_matrix": vectors.word_matrix,
        "char_matrix": vectors.char_matrix,
    }
    for name, matrix in matrices.items():
        for part in _PARTS:
            arrays[f"{name}.{part}"] = getattr(matrix, part)
    for number, (per_user, per_item) in enumerate(index.view_counts.values()):
        arrays[f"view{number}.users"] = per_user
        arrays[f"view{number}.items"] = per_item
    return arrays


def _checksum(array: npt.NDArray[Any]) -> int:
    return zlib.crc32(np.ascontiguousarray(array).data)


def save_index(index: MovieIndex, sources: list[Path], folder: Path) -> None:
    """Write the index atomically: into a sibling staging folder, then rename.

    Staging folders left by killed builds are removed first; this one is removed
    when the write fails or is interrupted.
    """
    with staged_folder(folder) as staging:
        checksums = {}
        for name, array in _arrays(index).items():
            np.save(staging / f"{name}.npy", array, allow_pickle=False)
            checksums[name] = _checksum(array)
        vectors = index.title_vectors
        texts = {
            "titles": index.titles,
            "genres": index.genres,
            "word_vocabulary": vectors.word_vocabulary,
            "char_vocabulary": vectors.char_vocabulary,
        }
        (staging / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "sources": describe_sources(sources),
            "shapes": {
                "n_users": index.n_users,
                "n_items": index.n_items,
                "word_terms": len(vectors.word_vocabulary),
                "char_terms": len(vectors.char_vocabulary),
            },
            "views": [list(key) for key in index.view_counts],
            "checksums": checksums,
            "texts_sha256": file_digest(staging / "texts.json"),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), "utf-8")
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
    return manifest


def _load_arrays(folder: Path, checksums: dict[str, int]) -> dict[str, Any]:
    arrays = {}
    for name, expected in checksums.items():
        # memory-mapped: pages come from the OS cache as queries touch them
        array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if _checksum(array) != expected:
            raise ValueError(f"{name}.npy does not match its checksum")
        arrays[name] = array
    return arrays


def _load_texts(path: Path, expected_sha256: str) -> dict[str, list[str]]:
    if file_digest(path) != expected_sha256:
        raise ValueError(f"{path.name} does not match its checksum")
    texts: dict[str, list[str]] = json.loads(path.read_text("utf-8"))
    return texts


def _matrix(arrays: dict[str, Any], name: str, shape: tuple[int, int]) -> Any:
    parts = tuple(arrays[f"{name}.{part}"] for part in _PARTS)
    kind = sp.csc_matrix if name == "by_item" else sp.csr_matrix
    matrix = kind(parts, shape=shape)
    matrix.check_format(full_check=False)  # contents are covered by the CRC
    return matrix


def load_index(folder: Path, sources: list[Path]) -> MovieIndex:
    """Load an index saved by :func:`save_index` for exactly these sources.

    Raises:
        CacheError: when the cache is absent, stale or corrupt.
    """
    manifest = _read_manifest(folder, sources)
    try:
        arrays = _load_arrays(folder, manifest["checksums"])
        texts = _load_texts(folder / "texts.json", manifest["texts_sha256"])
        shapes = manifest["shapes"]
        n_users, n_items = shapes["n_users"], shapes["n_items"]
        index = MovieIndex(
            movie_ids=arrays["movie_ids"],
            user_ids=arrays["user_ids"],
            titles=texts["titles"],
            genres=texts["genres"],
            years=arrays["years"],
            by_user=_matrix(arrays, "by_user", (n_users, n_items)),
            by_item=_matrix(arrays, "by_item", (n_users, n_items)),
            title_vectors=TitleVectors(
                word_vocabulary=texts["word_vocabulary"],
                word_idf=arrays["word_idf"],
                char_vocabulary=texts["char_vocabulary"],
                char_idf=arrays["char_idf"],
                word_matrix=_matrix(
                    arrays, "word_matrix", (2 * n_items, shapes["word_terms"])
                ),
                char_matrix=_matrix(
                    arrays, "char_matrix", (2 * n_items, shapes["char_terms"])
                ),
            ),
            view_counts={
                (float(rating), bool(strict)): (
                    arrays[f"view{number}.users"],
                    arrays[f"view{number}.items"],
                )
                for number, (rating, strict) in enumerate(manifest["views"])
            },
        )
        _check_consistent(index)
    except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
        raise CacheError(f"corrupt cache in {folder}: {error}") from error
    return index


def _check_consistent(index: MovieIndex) -> None:
    n_users, n_items = index.n_users, index.n_items
    vectors = index.title_vectors
    problems = [
        index.by_user.nnz != index.by_item.nnz,
        len(index.titles) != n_items or len(index.genres) != n_items,
        index.years.shape != (n_items,),
        index.user_ids.shape != (n_users,),
        vectors.word_idf.shape != (len(vectors.word_vocabulary),),
        vectors.char_idf.shape != (len(vectors.char_vocabulary),),
        any(
            users.shape != (n_users,) or items.shape != (n_items,)
            for users, items in index.view_counts.values()
        ),
    ]
    if any(problems):
        raise ValueError("arrays disagree with the manifest")
