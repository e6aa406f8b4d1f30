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


def _offsets(lengths: Counts) -> Counts:
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _segment_sums(
    values: npt.NDArray[np.bool_], indptr: npt.NDArray[np.integer[Any]]
) -> Counts:
    """Sum of ``values`` within each segment ``indptr[i]:indptr[i + 1]``."""
    totals = _offsets(values.astype(np.int64))
    sums: Counts = totals[indptr[1:]] - totals[indptr[:-1]]
    return sums


class UserSets:
    """Set operations on who liked what at one threshold, fast even for blockbusters.

    The qualifying ratings are copied once into compact matrices (users x items
    CSR and CSC holding only them, a few bytes per rating), so that the items of
    many users, or the users of many items, are one contiguous slice copy each
    instead of an element-wise gather from the full rating matrices. Items with
    many qualifying users ("heavy": where a bitset over all users is smaller than
    their list of users) are also kept as packed bitsets, so that unions and
    intersections with them are a few vectorised ANDs and ORs.
    """

    def __init__(self, view: Adjacency) -> None:
        """Copy the qualifying ratings of ``view`` and pack the heavy items' users."""
        self._view = view
        n_users, n_items = view.n_users, int(view.item_count.size)
        shape = (n_users, n_items)
        items = gather(view.user_start, view.user_count, view.user_items)
        ones = np.ones(items.size, dtype=np.int8)
        self._rows = sp.csr_matrix((ones, items, _offsets(view.user_count)), shape)
        users = gather(view.item_start, view.item_count, view.item_users)
        self._columns = sp.csc_matrix((ones, users, _offsets(view.item_count)), shape)
        self._heavy = view.item_count > max(n_users // 32, 1)
        heavy_items = np.flatnonzero(self._heavy)
        self._row = np.full(n_items, -1, dtype=np.int64)
        self._row[heavy_items] = np.arange(heavy_items.size)
        self._bits = np.zeros((heavy_items.size, -(-n_users // 64)), np.uint64)
        for row, item in enumerate(heavy_items):
            self._bits[row] = self._pack(view.users_of(int(item)))

    def _pack(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.uint64]:
        """Bitset of ``users`` as 64-bit words (popcounts a word at a time)."""
        mask = np.zeros(self._bits.shape[1] * 64, dtype=bool)
        mask[users] = True
        words: npt.NDArray[np.uint64] = np.packbits(mask).view(np.uint64)
        return words

    def _users_of_items(self, items: npt.NDArray[np.int64]) -> sp.csc_matrix:
        return self._columns[:, items]

    def union_size(self, items: npt.NDArray[np.int64]) -> int:
        """Number of distinct users with a qualifying rating of any of ``items``."""
        union = self._pack(self._users_of_items(items[~self._heavy[items]]).indices)
        heavy_rows = self._row[items[self._heavy[items]]]
        if heavy_rows.size:
            union |= np.bitwise_or.reduce(self._bits[heavy_rows], axis=0)
        return int(np.bitwise_count(union).sum())

    def column_work(self, items: npt.NDArray[np.int64]) -> int:
        """Cost of :meth:`overlaps` by items, in ratings (4 bitset words ~ 1 rating)."""
        light = items[~self._heavy[items]]
        heavy = items.size - light.size
        words = heavy * self._bits.shape[1]
        return int(self._view.item_count[light].sum()) + words // 4

    def row_work(self, users: npt.NDArray[np.int32]) -> int:
        """Cost of :meth:`overlaps` by users, in gathered ratings."""
        return int(self._view.user_count[users].sum())

    def overlaps(
        self,
        users: npt.NDArray[np.int32],
        items: npt.NDArray[np.int64],
        *,
        by_items: bool | None = None,
    ) -> Counts:
        """For each item, how many of ``users`` have a qualifying rating of it.

        Counts either the items of all ``users`` at once (one slice of the compact
        rows and a bincount), or the users of every item (bitset ANDs for heavy
        items, one slice of the compact columns for the others), whichever gathers
        less (``by_items`` forces one way). Both give the same integers.
        """
        if by_items is None:
            # measured: a rating gathered by items costs ~1.4x one gathered by users
            by_items = 10 * self.column_work(items) < 7 * self.row_work(users)
        if not by_items:
            # the fans' rows summed: a transposed product, cheaper than a bincount
            fans_rows = self._rows[users]
            totals = fans_rows.T @ np.ones(users.size, dtype=np.int32)
            counts: Counts = totals[items].astype(np.int64)
            return counts
        member = np.zeros(self._view.n_users, dtype=bool)
        member[users] = True
        counts = np.zeros(items.size, dtype=np.int64)
        heavy = self._heavy[items]
        if heavy.any():
            shared = self._bits[self._row[items[heavy]]] & self._pack(users)
            counts[heavy] = np.bitwise_count(shared).sum(axis=1)
        light = self._users_of_items(items[~heavy])
        counts[~heavy] = _segment_sums(member[light.indices], light.indptr)
        return counts
