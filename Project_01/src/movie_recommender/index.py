"""The precomputed, query-ready view of one data set: catalogue, ratings, titles."""

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.data import Movies, Ratings
from movie_recommender.errors import InputError
from movie_recommender.matching import TitleVectors, fit_title_vectors
from movie_recommender.titles import clean_main_title, clean_title

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MovieIndex:
    """Everything a query needs, as arrays (items are ordered by movieId).

    Attributes:
        movie_ids: movieId of each item.
        titles: catalogue title of each item.
        genres: pipe-separated genres of each item.
        years: release year parsed from the title (0 when absent).
        by_user: users x items CSR matrix of ratings.
        by_item: the same ratings as a CSC matrix (fast per-movie columns).
        title_vectors: fitted title vocabularies and TF-IDF vectors.
    """

    movie_ids: npt.NDArray[np.int64]
    titles: list[str]
    genres: list[str]
    years: npt.NDArray[np.int32]
    by_user: sp.csr_matrix
    by_item: sp.csc_matrix
    title_vectors: TitleVectors

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


def _dense_codes(ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int32], int]:
    """Map arbitrary ids to 0..n-1 in id order (linear time for compact ids)."""
    if ids.size == 0:
        return np.zeros(0, dtype=np.int32), 0
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * ids.size + 1_000_000:
        present = np.zeros(high - low + 1, dtype=bool)
        present[ids - low] = True
        codes = np.cumsum(present, dtype=np.int64) - 1
        return codes[ids - low].astype(np.int32), int(present.sum())
    unique, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int32), int(unique.size)


def rating_matrix(
    users: npt.NDArray[np.int32],
    items: npt.NDArray[np.int64],
    values: npt.NDArray[np.float32],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """Build the users x items CSR matrix, refusing duplicate (user, movie) pairs.

    Raises:
        InputError: when a user rated the same movie twice.
    """
    matrix = sp.coo_matrix((values, (users, items)), shape=shape).tocsr()
    if matrix.nnz != values.size:
        raise InputError(
            f"ratings has {values.size - matrix.nnz} duplicate (userId, movieId) pairs"
        )
    return matrix


def build_index(movies: Movies, ratings: Ratings) -> MovieIndex:
    """Build the index from validated tables.

    Ratings of movies absent from the catalogue are dropped (with a warning).
    """
    n_items = movies.movie_ids.size
    items = np.searchsorted(movies.movie_ids, ratings.movie_ids)
    known = items < n_items
    known[known] = movies.movie_ids[items[known]] == ratings.movie_ids[known]
    user_ids, values = ratings.user_ids, ratings.ratings
    if not known.all():
        logger.warning(
            "dropping %d ratings of movies missing from the catalogue",
            int((~known).sum()),
        )
        items, user_ids, values = items[known], user_ids[known], values[known]
    users, n_users = _dense_codes(user_ids)
    by_user = rating_matrix(users, items, values, (n_users, n_items))
    cleaned = [clean_title(title) for title in movies.titles]
    logger.info(
        "indexed %d ratings by %d users of %d movies", by_user.nnz, n_users, n_items
    )
    return MovieIndex(
        movie_ids=movies.movie_ids,
        titles=movies.titles,
        genres=movies.genres,
        years=np.array([year for _, year in cleaned], dtype=np.int32),
        by_user=by_user,
        by_item=by_user.tocsc(),
        title_vectors=fit_title_vectors(
            [text for text, _ in cleaned],
            [clean_main_title(title) for title in movies.titles],
        ),
    )
