"""Who liked what: binary user-item adjacency at a rating threshold, both directions."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp


@dataclass(frozen=True)
class Adjacency:
    """Ratings at or above a threshold, as CSR rows (users) and CSC columns (items).

    Attributes:
        user_ptr: row pointer, users x items.
        user_items: items of each user's qualifying ratings.
        item_ptr: column pointer, items x users.
        item_users: users of each item's qualifying ratings.
    """

    user_ptr: npt.NDArray[np.int64]
    user_items: npt.NDArray[np.int32]
    item_ptr: npt.NDArray[np.int64]
    item_users: npt.NDArray[np.int32]

    @property
    def n_users(self) -> int:
        """Number of users (rows), including those with no qualifying rating."""
        return int(self.user_ptr.size - 1)

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return int(self.item_ptr.size - 1)

    def item_counts(self) -> npt.NDArray[np.int64]:
        """Number of qualifying ratings of each item."""
        return np.diff(self.item_ptr)

    def users_of(self, item: int) -> npt.NDArray[np.int32]:
        """Users with a qualifying rating of ``item``."""
        return self.item_users[self.item_ptr[item] : self.item_ptr[item + 1]]

    def items_of_users(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """Concatenated qualifying items of several users."""
        return gather(self.user_ptr, self.user_items, users)

    def users_of_items(self, items: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Concatenated qualifying users of several items (with repeats)."""
        return gather(self.item_ptr, self.item_users, items)


def gather(
    pointer: npt.NDArray[np.int64],
    values: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int32] | npt.NDArray[np.int64],
) -> npt.NDArray[np.int32]:
    """Concatenate the compressed rows ``rows`` of (pointer, values) without a loop."""
    starts = pointer[rows]
    lengths = pointer[np.asarray(rows) + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=values.dtype)
    # position k of the output reads values[start of its row + offset within the row]
    row_offsets = np.cumsum(lengths) - lengths
    positions = np.arange(total, dtype=np.int64) + np.repeat(
        starts - row_offsets, lengths
    )
    gathered: npt.NDArray[np.int32] = values[positions]
    return gathered


def _compress(
    pointer: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    keep: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    kept_before = np.zeros(keep.size + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    return kept_before[pointer], indices[keep].astype(np.int32, copy=False)


def threshold(
    by_user: sp.csr_matrix,
    by_item: sp.csc_matrix,
    min_rating: float,
    *,
    strict: bool = False,
) -> Adjacency:
    """Keep ratings ``>= min_rating`` (``> min_rating`` when ``strict``)."""
    if strict:
        user_keep, item_keep = by_user.data > min_rating, by_item.data > min_rating
    else:
        user_keep, item_keep = by_user.data >= min_rating, by_item.data >= min_rating
    user_ptr, user_items = _compress(by_user.indptr, by_user.indices, user_keep)
    item_ptr, item_users = _compress(by_item.indptr, by_item.indices, item_keep)
    return Adjacency(user_ptr, user_items, item_ptr, item_users)
