"""The two API questions as checked records: each rule of the API is stated once."""

from dataclasses import dataclass

from movie_recommender.options import ALGORITHMS, DEFAULT_ALGORITHM
from movie_recommender.web.problems import BadRequestError
from movie_recommender.web.settings import (
    DEFAULT_MATCHES,
    DEFAULT_RECOMMENDATIONS,
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
)

MAX_SEEDS = 1  # films per request (issue 9 raises it with multi-film recommendations)


def _check_title(title: str) -> None:
    if not title.strip():
        raise BadRequestError("q is empty: type (part of) a movie title")
    if len(title) > MAX_QUERY_LENGTH:
        raise BadRequestError(
            f"q is too long: {len(title)} characters (at most {MAX_QUERY_LENGTH})"
        )


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequestError(f"limit must be in 1..{MAX_LIMIT} (got {limit})")


@dataclass(frozen=True)
class SearchQuery:
    """``GET /api/search?q=TITLE&limit=N``."""

    title: str
    limit: int = DEFAULT_MATCHES

    def __post_init__(self) -> None:
        """Refuse an empty or over-long title and a limit out of range.

        Raises:
            BadRequestError: naming the parameter and its range.
        """
        _check_title(self.title)
        _check_limit(self.limit)


@dataclass(frozen=True)
class RecommendationQuery:
    """``GET /api/recommendations``: ``movie_id`` or ``q``, a limit, an algorithm."""

    movie_ids: tuple[int, ...] = ()
    title: str | None = None
    limit: int = DEFAULT_RECOMMENDATIONS
    algorithm: str = DEFAULT_ALGORITHM

    def __post_init__(self) -> None:
        """Refuse neither or both seeds, bad titles, limits and algorithms.

        Raises:
            BadRequestError: naming the parameter and what it accepts.
        """
        if bool(self.movie_ids) == (self.title is not None):
            raise BadRequestError("give exactly one of q (a title) or movie_id")
        if len(self.movie_ids) > MAX_SEEDS:
            raise BadRequestError(
                f"at most {MAX_SEEDS} movie_id per request (got {len(self.movie_ids)})"
            )
        if self.title is not None:
            _check_title(self.title)
        _check_limit(self.limit)
        if self.algorithm not in ALGORITHMS:
            raise BadRequestError(
                f"unknown algorithm {self.algorithm!r}: use one of "
                f"{', '.join(ALGORITHMS)}"
            )
