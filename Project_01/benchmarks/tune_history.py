"""Choose EASE's λ and minimum rating count by validation on the tuning splits.

Usage: python -m benchmarks.tune_history [MOVIELENS_DIR]
Prints the history protocol's hit rate@10 for each setting on tuning splits 0-2
(never the reporting splits 100-104 of ``movie-recs evaluate``), with the fit time.
The defaults in ``movie_recommender.history`` come from this table.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from movie_recommender.evaluate import TUNING_SEEDS, history_hit_rate, holdout_split
from movie_recommender.history import fit_history
from movie_recommender.store import open_index

SHARED = Path(__file__).resolve().parents[3] / "shared/data/movielens/ml-latest-small"
# (minimum ratings of a modelled movie, λ as a multiple of the Gram diagonal's mean)
GRID = ((10, 1.0), (10, 2.0), (10, 5.0), (10, 10.0), (5, 5.0), (20, 5.0))
SPLITS = TUNING_SEEDS[:3]


def main() -> None:
    """Print one line per setting: hit rate@10 per split, mean, fit seconds."""
    source = Path(
        sys.argv[1] if sys.argv[1:] else os.environ.get("MOVIELENS_DIR", SHARED)
    )
    with tempfile.TemporaryDirectory() as cache:
        index = open_index(source.resolve(), Path(cache))
    splits = [holdout_split(index.by_user, seed) for seed in SPLITS]
    print(f"history hit rate@10 on tuning splits {list(SPLITS)}")
    print("min_ratings  lambda  per split               mean    fit s")
    for min_ratings, regularization in GRID:
        rates, seconds = [], []
        for split in splits:
            started = time.perf_counter()
            model = fit_history(split.train, min_ratings, regularization)
            seconds.append(time.perf_counter() - started)
            rates.append(history_hit_rate(split, model))
        per_split = " ".join(f"{rate:.4f}" for rate in rates)
        print(
            f"{min_ratings:11d}  {regularization:6g}  {per_split}  "
            f"{np.mean(rates):.4f}  {np.mean(seconds):.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
