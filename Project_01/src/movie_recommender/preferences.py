"""Who liked what, at any rating threshold, without copying the rating matrices.

Rows of the users x items CSR matrix and columns of the CSC matrix are kept
sorted by rating, highest first (:func:`sort_rows`, :func:`sort_columns`). The
ratings at or above a threshold are then a prefix of every row and column, so a
threshold "view" is only a start and a length per user and per item.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

STANDARD_VIEWS = ((4.0, True), (4.0, False), (3.5, False))  # built with the index

Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Adjacency:
    """Ratings at or above a threshold: prefixes of the sorted rows and columns.

    Attributes:
        user_start: where each user's row starts in ``user_items``.
        user_count: how many of the row's entries pass the threshold.
        user_items: item of every rating, rows sorted by rating descending.
        item_start: where each item's column starts in ``item_users``.
        item_count: how many of the column's entries pass the threshold.
        item_users: user of every rating, columns sorted by rating descending.
    """

    user_start: Counts
    user_count: Counts
    user_items: npt.NDArray[np.int32]
    item_start: Counts
    item_count: Counts
    item_users: npt.NDArray[np.int32]

    @property
    def n_users(self) -> int:
        """Number of users (rows), including those with no qualifying rating."""
        return int(self.user_start.size)

    def users_of(self, item: int) -> npt.NDArray[np.int32]:
        """Users with a qualifying rating of ``item``."""
        start = int(self.item_start[item])
        return self.item_users[start : start + int(self.item_count[item])]

    def items_of_users(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """Concatenated qualifying items of several users."""
        return gather(self.user_start[users], self.user_count[users], self.user_items)


def gather(
    starts: Counts, lengths: Counts, values: npt.NDArray[np.int32]
) -> npt.NDArray[np.int32]:
    """Concatenate ``values[start:start + length]`` for every pair, without a loop."""
    used = lengths > 0
    starts, lengths = starts[used], lengths[used]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=values.dtype)
    # positions are consecutive inside a segment: cumulate steps of 1, with a
    # jump to the next segment's start where one begins (one temporary array)
    index_type = np.int32 if values.size < np.iinfo(np.int32).max else np.int64
    steps = np.ones(total, dtype=index_type)
    boundaries = np.cumsum(lengths[:-1])
    steps[0] = starts[0]
    steps[boundaries] = starts[1:] - (starts[:-1] + lengths[:-1]) + 1
    np.cumsum(steps, out=steps)
    gathered: npt.NDArray[np.int32] = values[steps]
    return gathered


def _rating_order(
    indptr: npt.NDArray[np.integer[Any]], data: npt.NDArray[np.floating[Any]]
) -> npt.NDArray[np.intp]:
    lengths = np.diff(indptr)
    major = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    return np.lexsort((-data, major))


def sort_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Return a copy whose rows are sorted by rating, highest first."""
    order = _rating_order(matrix.indptr, matrix.data)
    parts = (matrix.data[order], matrix.indices[order], matrix.indptr)
    return sp.csr_matrix(parts, shape=matrix.shape)


def sort_columns(matrix: sp.csc_matrix) -> sp.csc_matrix:
    """Return a copy whose columns are sorted by rating, highest first."""
    order = _rating_order(matrix.indptr, matrix.data)
    parts = (matrix.data[order], matrix.indices[order], matrix.indptr)
    return sp.csc_matrix(parts, shape=matrix.shape)


def prefix_counts(
    matrix: sp.csr_matrix | sp.csc_matrix, min_rating: float, *, strict: bool
) -> Counts:
    """Per row (CSR) or column (CSC): number of ratings passing the threshold."""
    passing = matrix.data > min_rating if strict else matrix.data >= min_rating
    passed_before = np.zeros(passing.size + 1, dtype=np.int64)
    np.cumsum(passing, out=passed_before[1:])
    counts: Counts = (
        passed_before[matrix.indptr[1:]] - passed_before[matrix.indptr[:-1]]
    )
    return counts


def threshold(
    by_user: sp.csr_matrix,
    by_item: sp.csc_matrix,
    min_rating: float,
    *,
    strict: bool = False,
    counts: tuple[Counts, Counts] | None = None,
) -> Adjacency:
    """The view of ratings ``>= min_rating`` (``> min_rating`` when ``strict``).

    ``counts`` (per user, per item) may come precomputed from the cache.
    """
    if counts is None:
        counts = (
            prefix_counts(by_user, min_rating, strict=strict),
            prefix_counts(by_item, min_rating, strict=strict),
        )
    return Adjacency(
        user_start=by_user.indptr[:-1].astype(np.int64, copy=False),
        user_count=counts[0],
        user_items=by_user.indices,
        item_start=by_item.indptr[:-1].astype(np.int64, copy=False),
        item_count=counts[1],
        item_users=by_item.indices,
    )


class UserSets:
    """Set operations on the users of items, fast even for blockbusters.

    Items with many qualifying users ("heavy": where a bitset over all users is
    smaller than their list of users) are also kept as packed bitsets, so that
    unions and intersections with them are a few vectorised ANDs and ORs.
    """

    def __init__(self, view: Adjacency) -> None:
        """Pack the users of every heavy item of ``view`` into bitsets."""
        self._view = view
        self._heavy = view.item_count > max(view.n_users // 32, 1)
        heavy_items = np.flatnonzero(self._heavy)
        self._row = np.full(view.item_count.size, -1, dtype=np.int64)
        self._row[heavy_items] = np.arange(heavy_items.size)
        self._bits = np.zeros((heavy_items.size, (view.n_users + 7) // 8), np.uint8)
        mask = np.zeros(view.n_users, dtype=bool)
        for row, item in enumerate(heavy_items):
            mask[:] = False
            mask[view.users_of(int(item))] = True
            self._bits[row] = np.packbits(mask)

    def _mask(self, items: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        mask = np.zeros(self._view.n_users, dtype=bool)
        for item in items:
            mask[self._view.users_of(int(item))] = True
        return mask

    def union_size(self, items: npt.NDArray[np.int64]) -> int:
        """Number of distinct users with a qualifying rating of any of ``items``."""
        union = np.packbits(self._mask(items[~self._heavy[items]]))
        heavy_rows = self._row[items[self._heavy[items]]]
        if heavy_rows.size:
            union |= np.bitwise_or.reduce(self._bits[heavy_rows], axis=0)
        return int(np.bitwise_count(union).sum())

    def light_count(self, items: npt.NDArray[np.int64]) -> int:
        """How many of ``items`` are not heavy (each costs a Python-level step)."""
        return int((~self._heavy[items]).sum())

    def overlaps(
        self, users: npt.NDArray[np.int32], items: npt.NDArray[np.int64]
    ) -> Counts:
        """For each item, how many of ``users`` have a qualifying rating of it."""
        member = np.zeros(self._view.n_users, dtype=bool)
        member[users] = True
        counts = np.zeros(items.size, dtype=np.int64)
        heavy = self._heavy[items]
        if heavy.any():
            shared = self._bits[self._row[items[heavy]]] & np.packbits(member)
            counts[heavy] = np.bitwise_count(shared).sum(axis=1)
        for position in np.flatnonzero(~heavy):
            counts[position] = member[self._view.users_of(int(items[position]))].sum()
        return counts
