"""Recommendations from a history (several films, a user's ratings): EASE.

EASE (H. Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019)
learns an items x items weight matrix B in closed form: with the Gram matrix
G = XᵀX of the users x items matrix X and P = (G + λI)⁻¹, B = -P / diag(P) (column
by column) with a zero diagonal. A history x scores every movie as x·B.

Only movies with at least ``min_ratings`` ratings take part (rarer ones have too
little signal and would make the matrix larger for nothing). λ is
``regularization`` times the mean of G's diagonal, so that one value suits data
sets of every size; its default was chosen on the tuning users of ``evaluate``.
In X and in a history, a rating r weighs max(r - 2, 0.25): a movie the user loved
counts more than one they disliked (on the tuning users, better than binary
ratings at every λ tried).

The same Gram matrix also gives a low-rank view of co-occurrence: with the top
eigenpairs G ≈ E·Eᵀ, the row E[i]·Eᵀ is movie i's co-occurrence with every modelled
movie, smoothed. ``hybrid`` (one seed film) blends it with ``fans``.
"""

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.linalg import lapack

from movie_recommender.errors import CacheError, InputError, MovieRecsError
from movie_recommender.staging import staged_folder

logger = logging.getLogger(__name__)

# chosen on the evaluation's tuning users (leave-last-out) with `python -m
# benchmarks.tune`, under a bar a person checks (`python -m benchmarks.famous_films`:
# a companion for at least 11 of the 12 famous films): the best mean of the history
# and single-seed NDCG@10 (0.0711, 0.0824). λ 50 had a better mean (0.0701, 0.0877)
# but found 10 of 12; λ 5 the best history NDCG (0.0712; 0.0756 with films rated 3
# times) but a worse single seed (0.0743); binary ratings were worse at every λ and
# minimum (history 0.048-0.062)
DEFAULT_MIN_RATINGS = 10
DEFAULT_REGULARIZATION = 20.0
DEFAULT_BINARY = False
RATING_OFFSET = 2.0
MIN_WEIGHT = 0.25
SEED_WEIGHT = 3.0  # a seed film counts as a 5-star rating: 5 - RATING_OFFSET
# rank of G's approximation for hybrid's co-occurrence rows: chosen with the former
# random hold-out (hit rate@10 with rank 32/50/80: 0.2088/0.2091/0.2084)
DEFAULT_RANK = 50
_OVERSAMPLING = 14  # extra random directions of the randomised eigensolver
_POWER_ITERATIONS = 4
_RANDOM_STATE = 20240229  # the eigensolver's start: the same model for the same data
FORMAT_VERSION = 3
_GRAM_BLOCK = 1024  # rows of G computed per sparse product (bounds its memory)


@dataclass(frozen=True)
class HistoryModel:
    """The fitted EASE weights over the movies with enough ratings.

    Attributes:
        items: catalogue position of each modelled movie (ascending).
        weights: the items x items matrix B (float32, zero diagonal).
        embedding: items x rank, with embedding·embeddingᵀ ≈ G (float32).
        column_of: for each catalogue item, its position in ``items`` or -1.
        binary: whether every rating counts 1 (else :func:`rating_weights`).
    """

    items: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    embedding: npt.NDArray[np.float32]
    column_of: npt.NDArray[np.int64]
    binary: bool = False

    def weigh(self, ratings: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """How much each rating of a history counts, as it did in the fit."""
        if self.binary:
            return np.ones_like(ratings, dtype=np.float64)
        return rating_weights(ratings)

    def co_occurrence(self, item: int) -> npt.NDArray[np.float64] | None:
        """One movie's smoothed co-occurrence with every catalogue movie.

        Returns:
            G's low-rank row for ``item`` over the whole catalogue (0 for movies
            outside the model), or None when ``item`` itself is not modelled.
        """
        column = int(self.column_of[item])
        if column < 0:
            return None
        row = np.zeros(self.column_of.size)
        row[self.items] = self.embedding @ self.embedding[column]
        return row

    def scores(
        self, history: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Score the modelled movies for a history: x·B.

        Args:
            history: catalogue items of the history.
            weights: how much each counts (see :meth:`weigh`).

        Returns:
            The modelled catalogue items and their scores (history items included;
            all zero when no history item is modelled).
        """
        columns = self.column_of[history]
        known = columns >= 0
        if not known.any():
            return self.items, np.zeros(self.items.size)
        rows = self.weights[columns[known]]
        scores: npt.NDArray[np.float64] = weights[known] @ rows.astype(np.float64)
        return self.items, scores


def rating_weights(ratings: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """How much each rating of a history counts: max(rating - 2, 0.25)."""
    weights: npt.NDArray[np.float64] = np.maximum(ratings - RATING_OFFSET, MIN_WEIGHT)
    return weights


def _gram(matrix: sp.csr_matrix) -> npt.NDArray[np.float64]:
    """XᵀX as a dense float64 matrix, computed a block of rows at a time."""
    n_items = matrix.shape[1]
    transposed = sp.csr_matrix(matrix.T)
    gram = np.empty((n_items, n_items), dtype=np.float64)
    for start in range(0, n_items, _GRAM_BLOCK):
        stop = min(start + _GRAM_BLOCK, n_items)
        gram[start:stop] = (transposed[start:stop] @ matrix).toarray()
    return gram


def _low_rank(gram: npt.NDArray[np.float64], rank: int) -> npt.NDArray[np.float32]:
    """E with E·Eᵀ ≈ G: G's top eigenvectors, each scaled by √eigenvalue.

    Randomised subspace iteration (Halko, Martinsson and Tropp, SIAM Review 2011,
    algorithms 4.4 and 5.3): a few products of G with a thin matrix instead of a
    full eigendecomposition (seconds, not an O(n³) solve, on ten thousand movies).
    G is symmetric positive semi-definite, so its eigenpairs are its singular ones.
    """
    size = gram.shape[0]
    rank = min(rank, size)
    width = min(rank + _OVERSAMPLING, size)
    start = np.random.default_rng(_RANDOM_STATE).standard_normal((size, width))
    basis, _ = np.linalg.qr(gram @ start)
    for _ in range(_POWER_ITERATIONS):
        basis, _ = np.linalg.qr(gram @ basis)
    values, vectors = np.linalg.eigh(basis.T @ gram @ basis)
    top = np.argsort(values)[::-1][:rank]
    scale = np.sqrt(np.maximum(values[top], 0.0))
    embedding: npt.NDArray[np.float32] = ((basis @ vectors[:, top]) * scale).astype(
        np.float32
    )
    return embedding


def _mirror_upper(matrix: npt.NDArray[np.float32]) -> None:
    """Copy the upper triangle onto the lower one, in place, a block at a time."""
    size = matrix.shape[0]
    for start in range(0, size, _GRAM_BLOCK):
        stop = min(start + _GRAM_BLOCK, size)
        matrix[start:stop, :start] = matrix[:start, start:stop].T
        block = matrix[start:stop, start:stop]
        block[...] = np.triu(block) + np.triu(block, 1).T


def _ease_weights(
    single: npt.NDArray[np.float32], regularization: float
) -> npt.NDArray[np.float32]:
    """B = -P / diag(P) with P = (G + λI)⁻¹ and a zero diagonal (G overwritten).

    G is summed in float64 (exact counts) and factored in float32: half the time
    and memory, and B differs from a float64 solve by about 1e-6 (G + λI is well
    conditioned: λ is several times the mean diagonal).
    """
    diagonal = np.diag_indices_from(single)
    single[diagonal] += regularization * float(single[diagonal].mean(dtype=np.float64))
    # Cholesky factor and inverse in place: half the work of a general inverse
    # pylint: disable-next=no-member
    factor, info = lapack.spotrf(single, lower=0, overwrite_a=1, clean=0)
    if info != 0:
        raise MovieRecsError(f"the history model's matrix is not invertible ({info})")
    inverse, info = lapack.spotri(  # pylint: disable=no-member
        factor, lower=0, overwrite_c=1
    )
    if info != 0:
        raise MovieRecsError(f"the history model's matrix is not invertible ({info})")
    _mirror_upper(inverse)  # potri fills the upper triangle only
    # LAPACK hands back Fortran order; P is symmetric, so its transpose is the same
    # matrix in C order (no copy), where a history's rows are contiguous reads
    weights: npt.NDArray[np.float32] = np.ascontiguousarray(inverse.T)
    weights /= -np.diag(weights).copy()
    weights[diagonal] = 0.0
    return weights


def _modelled_items(by_user: sp.csr_matrix, min_ratings: int) -> npt.NDArray[np.int64]:
    """The films rated at least ``min_ratings`` times (the most rated when none is).

    Raises:
        InputError: when there is no rating at all.
    """
    counts = np.diff(sp.csc_matrix(by_user).indptr)
    # a tiny data set where no movie has min_ratings: its most rated movies
    threshold = max(min(min_ratings, int(counts.max(initial=0))), 1)
    items = np.flatnonzero(counts >= threshold).astype(np.int64)
    if items.size == 0:
        raise InputError("there are no ratings: nothing to learn a history model from")
    return items


def fit_history(
    by_user: sp.csr_matrix,
    min_ratings: int = DEFAULT_MIN_RATINGS,
    regularization: float = DEFAULT_REGULARIZATION,
    rank: int = DEFAULT_RANK,
    *,
    binary: bool = DEFAULT_BINARY,
) -> HistoryModel:
    """Fit EASE on the ratings, each weighing 1 (``binary``) or :func:`rating_weights`.

    The Gram matrix's rank-``rank`` approximation is kept too (see
    :meth:`HistoryModel.co_occurrence`).

    Raises:
        InputError: when there is no rating at all.
        MovieRecsError: when the regularised Gram matrix cannot be factored.
    """
    started = time.perf_counter()
    n_items = by_user.shape[1]
    items = _modelled_items(by_user, min_ratings)
    rated = sp.csr_matrix(by_user[:, items], dtype=np.float64)
    rated.data = np.ones_like(rated.data) if binary else rating_weights(rated.data)
    gram = _gram(rated)
    embedding = _low_rank(gram, rank)
    single = gram.astype(np.float32)
    del gram  # the float64 copy is not needed while factoring (memory peak)
    weights = _ease_weights(single, regularization)
    column_of = np.full(n_items, -1, dtype=np.int64)
    column_of[items] = np.arange(items.size)
    logger.info(
        "fitted the history model on %d movies in %.1f s",
        items.size,
        time.perf_counter() - started,
    )
    return HistoryModel(items, weights, embedding, column_of, binary)


def save_history(model: HistoryModel, folder: Path, key: dict[str, Any]) -> None:
    """Write the model atomically (staging folder, then rename)."""
    with staged_folder(folder) as staging:
        np.save(staging / "items.npy", model.items, allow_pickle=False)
        np.save(staging / "weights.npy", model.weights, allow_pickle=False)
        np.save(staging / "embedding.npy", model.embedding, allow_pickle=False)
        manifest = _manifest(key, binary=model.binary)
        (staging / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def load_history(folder: Path, key: dict[str, Any], n_items: int) -> HistoryModel:
    """Load a saved model (memory-mapped) fitted for exactly ``key``.

    Raises:
        CacheError: when absent, fitted for other data or settings, or damaged.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        binary = isinstance(manifest, dict) and manifest.get("binary") is True
        if manifest != _manifest(key, binary=binary):
            raise CacheError("the history model was fitted for other data")
        items = np.load(folder / "items.npy", allow_pickle=False)
        weights = np.load(folder / "weights.npy", mmap_mode="r", allow_pickle=False)
        embedding = np.load(folder / "embedding.npy", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise CacheError(f"no usable history model in {folder}: {error}") from error
    size = items.size
    if (
        weights.shape != (size, size)
        or embedding.shape[:1] != (size,)
        or embedding.ndim != weights.ndim
        or (size and int(items.max()) >= n_items)
    ):
        raise CacheError(f"the history model in {folder} is damaged")
    column_of = np.full(n_items, -1, dtype=np.int64)
    column_of[items] = np.arange(size)
    return HistoryModel(items.astype(np.int64), weights, embedding, column_of, binary)


def _manifest(key: dict[str, Any], *, binary: bool) -> dict[str, Any]:
    return {"format_version": FORMAT_VERSION, "key": key, "binary": binary}
