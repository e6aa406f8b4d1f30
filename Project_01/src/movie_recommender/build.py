"""Build a :class:`MovieIndex` from validated tables: sparse matrices, title vectors."""

import logging

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.data import Movies, Ratings
from movie_recommender.errors import InputError
from movie_recommender.index import MovieIndex
from movie_recommender.preferences import (
    STANDARD_VIEWS,
    prefix_counts,
    sort_columns,
    sort_rows,
)
from movie_recommender.titles import clean_main_title, clean_title
from movie_recommender.vectorizers import fit_title_vectors

logger = logging.getLogger(__name__)


def _dense_codes(
    ids: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Map arbitrary ids to 0..n-1 in id order (linear time for compact ids).

    Returns:
        The code of every id, and the distinct ids in code order.
    """
    if ids.size == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * ids.size + 1_000_000:
        present = np.zeros(high - low + 1, dtype=bool)
        present[ids - low] = True
        codes = np.cumsum(present, dtype=np.int64) - 1
        distinct = np.flatnonzero(present).astype(np.int64) + low
        return codes[ids - low].astype(np.int32), distinct
    unique, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int32), unique.astype(np.int64)


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
    users, distinct_users = _dense_codes(user_ids)
    n_users = int(distinct_users.size)
    by_user = sort_rows(rating_matrix(users, items, values, (n_users, n_items)))
    by_item = sort_columns(by_user.tocsc())
    cleaned = [clean_title(title) for title in movies.titles]
    logger.info(
        "indexed %d ratings by %d users of %d movies", by_user.nnz, n_users, n_items
    )
    return MovieIndex(
        movie_ids=movies.movie_ids,
        user_ids=distinct_users,
        titles=movies.titles,
        genres=movies.genres,
        years=np.array([year for _, year in cleaned], dtype=np.int32),
        by_user=by_user,
        by_item=by_item,
        title_vectors=fit_title_vectors(
            [text for text, _ in cleaned],
            [clean_main_title(title) for title in movies.titles],
        ),
        view_counts={
            (rating, strict): (
                prefix_counts(by_user, rating, strict=strict),
                prefix_counts(by_item, rating, strict=strict),
            )
            for rating, strict in STANDARD_VIEWS
        },
    )
