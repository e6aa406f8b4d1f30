"""The two API questions as checked records: each rule of the API is stated once."""

from dataclasses import dataclass

from movie_recommender.options import ALGORITHMS, HISTORY_ALGORITHM
from movie_recommender.web.problems import BadRequestError
from movie_recommender.web.settings import (
    DEFAULT_MATCHES,
    DEFAULT_RECOMMENDATIONS,
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
)

MAX_SEEDS = 50  # movie_id values in one request (a documented cap)


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
    """``GET /api/recommendations``: the seed, a limit, an algorithm.

    The seed is exactly one of: ``title`` (``q``), ``movie_ids`` (one or several
    ``movie_id``) or ``user_id`` (a MovieLens user's ratings). ``algorithm`` None
    means the default of the case (one film: ``fans``; several or a user: ``ease``).
    """

    movie_ids: tuple[int, ...] = ()
    title: str | None = None
    limit: int = DEFAULT_RECOMMENDATIONS
    algorithm: str | None = None
    user_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        """Refuse no seed or several kinds, bad titles, limits and algorithms.

        Raises:
            BadRequestError: naming the parameter and what it accepts.
        """
        kinds = (bool(self.movie_ids), self.title is not None, bool(self.user_ids))
        if sum(kinds) != 1:
            raise BadRequestError(
                "give exactly one of q (a title), movie_id (one or several) or user_id"
            )
        if len(self.movie_ids) > MAX_SEEDS:
            raise BadRequestError(
                f"at most {MAX_SEEDS} movie_id per request (got {len(self.movie_ids)})"
            )
        if len(self.user_ids) > 1:
            raise BadRequestError(f"one user_id per request (got {len(self.user_ids)})")
        if self.title is not None:
            _check_title(self.title)
        _check_limit(self.limit)
        if self.algorithm is not None and self.algorithm not in ALGORITHMS:
            raise BadRequestError(
                f"unknown algorithm {self.algorithm!r}: use one of "
                f"{', '.join(ALGORITHMS)}"
            )
        if self.algorithm not in (None, HISTORY_ALGORITHM) and self.seed_films != 1:
            raise BadRequestError(
                f"algorithm {self.algorithm} recommends for one film; several movie_id "
                f"or a user_id need algorithm={HISTORY_ALGORITHM} (the default)"
            )

    @property
    def user_id(self) -> int | None:
        """The user whose history is the seed (None: films or a title)."""
        return self.user_ids[0] if self.user_ids else None

    @property
    def seed_films(self) -> int:
        """How many films the seed names (a title: one; a user's history: 0)."""
        if self.user_ids:
            return 0
        return len(self.movie_ids) or 1
