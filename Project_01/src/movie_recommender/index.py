"""The precomputed, query-ready view of one data set: catalogue, ratings, titles."""

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.errors import InputError
from movie_recommender.matching import TitleVectors
from movie_recommender.preferences import Counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
# a flat record of arrays  # pylint: disable-next=too-many-instance-attributes
class MovieIndex:
    """Everything a query needs, as arrays (items are ordered by movieId).

    Attributes:
        movie_ids: movieId of each item.
        user_ids: userId of each user (row), ascending.
        titles: catalogue title of each item.
        genres: pipe-separated genres of each item.
        years: release year parsed from the title (0 when absent).
        by_user: users x items CSR matrix of ratings, rows sorted by rating.
        by_item: the same ratings as CSC, columns sorted by rating.
        title_vectors: fitted title vocabularies and TF-IDF vectors.
        view_counts: per (threshold, strict): ratings passing it per user and
            per item (see :mod:`movie_recommender.preferences`).
    """

    movie_ids: npt.NDArray[np.int64]
    user_ids: npt.NDArray[np.int64]
    titles: list[str]
    genres: list[str]
    years: npt.NDArray[np.int32]
    by_user: sp.csr_matrix
    by_item: sp.csc_matrix
    title_vectors: TitleVectors
    view_counts: dict[tuple[float, bool], tuple[Counts, Counts]]

    @property
    def n_items(self) -> int:
        """Number of movies in the catalogue."""
        return int(self.movie_ids.size)

    @property
    def n_users(self) -> int:
        """Number of users with at least one rating."""
        return int(self.by_user.shape[0])

    @cached_property
    def rating_counts(self) -> npt.NDArray[np.int64]:
        """Number of ratings of each movie."""
        return np.diff(self.by_item.indptr).astype(np.int64)

    def item_of(self, movie_id: int) -> int:
        """Return the item position of a movieId.

        Raises:
            InputError: when the movieId is not in the catalogue.
        """
        position = int(np.searchsorted(self.movie_ids, movie_id))
        if position >= self.n_items or self.movie_ids[position] != movie_id:
            raise InputError(f"unknown movieId: {movie_id}")
        return position

    def user_of(self, user_id: int) -> int:
        """Return the row of a userId.

        Raises:
            InputError: when the user has no rating in the data set.
        """
        position = int(np.searchsorted(self.user_ids, user_id))
        if position >= self.n_users or self.user_ids[position] != user_id:
            raise InputError(f"unknown userId: {user_id} (no ratings in the data set)")
        return position
