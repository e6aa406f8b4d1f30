"""Option records shared by the CLI and the library (light: no numpy import)."""

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ALGORITHM = "fans"
ALGORITHMS = ("fans", "cooccurrence", "classic")
DEFAULT_MIN_SIMILARITY = 0.35


@dataclass(frozen=True)
class Settings:
    """Thresholds of the algorithms (command-line options).

    Attributes:
        min_rating: a fan of the seed rated it at least this (classic: above it);
            None means 4.0 for every algorithm.
        min_share: classic keeps movies liked by more than this share of fans.
        genre_weight: ``fans`` multiplies a score by 1 + weight * jaccard(genres)**2.
        popularity_exponent: how strongly ``fans`` discounts popular movies.
        damping: ``fans`` multiplies by (damping / (ratings + damping)) ** exponent.
    """

    min_rating: float | None = None
    min_share: float = 0.10
    genre_weight: float = 1.0
    popularity_exponent: float = 0.0
    damping: float = 50.0


@dataclass(frozen=True)
class RecommendOptions:
    """How to recommend: algorithm, number of results, thresholds."""

    algorithm: str = DEFAULT_ALGORITHM
    limit: int = 10
    settings: Settings = field(default_factory=Settings)
    min_similarity: float = DEFAULT_MIN_SIMILARITY


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
