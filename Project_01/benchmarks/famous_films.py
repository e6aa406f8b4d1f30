"""The famous-films check for every one-film algorithm.

Usage: python -m benchmarks.famous_films [MOVIELENS_DIR]
Prints, per algorithm, how many of the twelve famous films of
``movie_recommender.companions`` get a companion among their ten films, and how
many of the ten are among the 20 most rated films (mean over the films).
"""

import os
import sys
import tempfile
from pathlib import Path

from movie_recommender.companions import check_companions
from movie_recommender.engine import Engine
from movie_recommender.options import ALGORITHMS
from movie_recommender.store import open_index

SHARED = Path(__file__).resolve().parents[3] / "shared/data/movielens/ml-latest-small"


def main() -> None:
    """Print one line per algorithm, the default first."""
    source = Path(
        sys.argv[1] if sys.argv[1:] else os.environ.get("MOVIELENS_DIR", SHARED)
    )
    with tempfile.TemporaryDirectory() as cache:
        engine = Engine(open_index(source.resolve(), Path(cache)))
        print("algorithm     companion found  mean overlap with the 20 most rated")
        for algorithm in (None, *ALGORITHMS):
            result = check_companions(engine, algorithm)
            label = f"{result.algorithm}{' (default)' if algorithm is None else ''}"
            print(
                f"{label:<15} {result.companions_found:>5}/{result.films:<8} "
                f"{result.mean_overlap:.1f}   missing: {', '.join(result.missing)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
