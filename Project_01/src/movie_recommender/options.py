"""Option records shared by the CLI and the library (light: no numpy import).

Every numeric option's range is declared once, in :data:`RANGES`, and checked once,
in the ``__post_init__`` of the record that holds it; the CLI derives its defaults
and help texts from these records.
"""

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from movie_recommender.errors import InputError

FANS = "fans"
HYBRID = "hybrid"
EASE = "ease"
ALGORITHMS = (HYBRID, FANS, "cooccurrence", "classic", EASE)
# one seed film too: chosen on the evaluation's tuning users (leave-last-out,
# single-seed NDCG@10 level with fans and hybrid, a far smaller popularity bias)
DEFAULT_ALGORITHM = EASE
HISTORY_ALGORITHM = EASE  # several films or a user's history
DEFAULT_MIN_SIMILARITY = 0.35
USER_GROUPS = ("reporting", "tuning")  # see movie_recommender.splits


@dataclass(frozen=True)
class Range:
    """Allowed values of one numeric option: ``low`` to ``high``.

    Attributes:
        option: the command-line spelling, used in error messages.
        low: smallest allowed value (excluded when ``open_low``).
        high: largest allowed value.
        open_low: whether ``low`` itself is refused.
    """

    option: str
    low: float
    high: float
    open_low: bool = False

    def check(self, value: float | None) -> None:
        """Refuse NaN, infinities and values out of the range.

        Raises:
            InputError: naming the option, its range and the value given.
        """
        if value is None:
            return
        too_low = value <= self.low if self.open_low else value < self.low
        if not math.isfinite(value) or too_low or value > self.high:
            raise InputError(f"{self.option} must be {self.describe()} (got {value:g})")

    def describe(self) -> str:
        """The range in words, e.g. ``in (0, 1000]``."""
        opening = "(" if self.open_low else "["
        return f"in {opening}{self.low:g}, {self.high:g}]"


RANGES = {
    "min_rating": Range("--min-rating", 0.5, 5.0),
    "min_share": Range("--min-share", 0.0, 1.0),
    "genre_weight": Range("--genre-weight", 0.0, 10.0),
    "popularity_exponent": Range("--popularity-exponent", -2.0, 2.0),
    "damping": Range("--damping", 0.0, 1e6, open_low=True),
    "limit": Range("--limit", 1, 10_000),
    "min_similarity": Range("--min-similarity", 0.0, 1.0),
    "timeout": Range("--timeout", 0.0, 3600.0, open_low=True),
}


def _check_ranges(record: Any) -> None:
    for item in fields(record):
        if item.name in RANGES:
            RANGES[item.name].check(getattr(record, item.name))


@dataclass(frozen=True)
class Settings:
    """Thresholds of the algorithms (command-line options; ranges in RANGES).

    Attributes:
        min_rating: a fan of the seed rated it at least this (classic: above it);
            None means 4.0 for every algorithm.
        min_share: classic keeps movies liked by more than this share of fans.
        genre_weight: ``fans`` multiplies a score by 1 + weight * jaccard(genres)**2.
        popularity_exponent: ``fans`` multiplies a score by
            (damping / (ratings + damping)) ** exponent: positive values discount
            popular movies, negative ones favour them.
        damping: see ``popularity_exponent``.
    """

    min_rating: float | None = None
    min_share: float = 0.10
    genre_weight: float = 0.5
    popularity_exponent: float = -0.3
    damping: float = 10.0

    def __post_init__(self) -> None:
        """Check every value against its documented range."""
        _check_ranges(self)


@dataclass(frozen=True)
class RecommendOptions:
    """How to recommend: algorithm, number of results, thresholds.

    ``algorithm`` None means the default: ``ease`` for one film, several films
    or a user's history.
    """

    algorithm: str | None = None
    limit: int = 10
    settings: Settings = field(default_factory=Settings)
    min_similarity: float = DEFAULT_MIN_SIMILARITY

    def __post_init__(self) -> None:
        """Check the algorithm's name and the ranges."""
        if self.algorithm is not None and self.algorithm not in ALGORITHMS:
            raise InputError(
                f"unknown algorithm {self.algorithm!r}: use one of {ALGORITHMS}"
            )
        _check_ranges(self)

    def algorithm_for(self, seeds: int) -> str:
        """The algorithm to run for ``seeds`` seed films (0: a user's history)."""
        if self.algorithm is not None:
            return self.algorithm
        return DEFAULT_ALGORITHM if seeds == 1 else HISTORY_ALGORITHM


@dataclass(frozen=True)
class SearchOptions:
    """How many title matches to show, and how close they must be."""

    limit: int = 5
    min_similarity: float = DEFAULT_MIN_SIMILARITY

    def __post_init__(self) -> None:
        """Check the ranges."""
        _check_ranges(self)


@dataclass(frozen=True)
class Seeds:
    """What a recommend request starts from: titles, movieIds or a userId."""

    titles: tuple[str, ...] = ()
    movie_ids: tuple[int, ...] = ()
    user_id: int | None = None

    def __post_init__(self) -> None:
        """Refuse an empty request, a blank title, or several kinds of seed at once."""
        kinds = [bool(self.titles), bool(self.movie_ids), self.user_id is not None]
        if sum(kinds) > 1:
            raise InputError(
                "give titles, --movie-id or --user-id (or --batch), not several"
            )
        if not any(kinds) or any(not title.strip() for title in self.titles):
            raise InputError(
                "the query is empty: type a title, or pass --movie-id or --user-id"
            )


@dataclass(frozen=True)
class EvaluateOptions:
    """What ``evaluate`` measures: which user group, with which ``fans`` settings."""

    group: str = "reporting"
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        """Check the group's name."""
        if self.group not in USER_GROUPS:
            raise InputError(
                f"unknown user group {self.group!r}: use one of {USER_GROUPS}"
            )


@dataclass(frozen=True)
class DataOptions:
    """Where the data and its index cache live."""

    data_dir: Path
    index_dir: Path
    rebuild: bool = False


@dataclass(frozen=True)
class DownloadRequest:
    """What to download, from where, into where."""

    dataset: str
    dest: Path
    base_url: str
    timeout: float = 30.0
    force: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        """Check the timeout's range."""
        _check_ranges(self)
