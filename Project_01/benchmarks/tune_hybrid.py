"""Choose ``hybrid``'s blend weight and rank by validation on the tuning splits.

Usage: python -m benchmarks.tune_hybrid [MOVIELENS_DIR]
Prints the single-seed protocol's hit rate@10 for each rank of the Gram matrix's
approximation and each blend weight on tuning splits 0-4 (never the reporting splits
100-104 of ``movie-recs evaluate``). Weight 0 ranks as ``fans`` alone. The defaults in
``movie_recommender.algorithms`` and ``movie_recommender.history`` come from this table.
"""

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from movie_recommender.algorithms import genre_matrix
from movie_recommender.evaluate import (
    TUNING_SEEDS,
    holdout_split,
    hybrid_hit_rate,
    popularity_hit_rate,
    split_recommender,
)
from movie_recommender.history import fit_history
from movie_recommender.store import open_index

SHARED = Path(__file__).resolve().parents[3] / "shared/data/movielens/ml-latest-small"
RANKS = (32, 50, 80)
WEIGHTS = (0.0, 0.3, 0.5, 0.8)


def main() -> None:
    """Print one line per (rank, weight): hit rate@10 per split, mean, ratio."""
    source = Path(
        sys.argv[1] if sys.argv[1:] else os.environ.get("MOVIELENS_DIR", SHARED)
    )
    with tempfile.TemporaryDirectory() as cache:
        index = open_index(source.resolve(), Path(cache))
    genres = genre_matrix(index.genres)
    splits = [holdout_split(index.by_user, seed) for seed in TUNING_SEEDS]
    recommenders = [split_recommender(split, genres) for split in splits]
    popularity = float(np.mean([popularity_hit_rate(split) for split in splits]))
    print(f"single-seed hit rate@10 on tuning splits {list(TUNING_SEEDS)}")
    print(f"stronger popularity list: {popularity:.4f}")
    print("rank  weight  per split                           mean    vs popularity")
    for rank in RANKS:
        models = [fit_history(split.train, rank=rank) for split in splits]
        for weight in WEIGHTS:
            rates = [
                hybrid_hit_rate(split, recommender, model, weight)
                for split, recommender, model in zip(
                    splits, recommenders, models, strict=True
                )
            ]
            per_split = " ".join(f"{rate:.4f}" for rate in rates)
            mean = float(np.mean(rates))
            print(
                f"{rank:4d}  {weight:6g}  {per_split}  {mean:.4f}  "
                f"{mean / popularity:.3f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
