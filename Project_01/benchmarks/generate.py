"""Build a ~25M-rating data set by cloning every ml-latest-small user many times."""

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

KEEP = 0.95  # each clone drops ~5% of the original user's ratings
JITTER = 0.2  # and moves ~20% of the rest by half a star


def _clone(
    ratings: pd.DataFrame, user_offset: int, rng: np.random.Generator
) -> pa.Table:
    """One perturbed copy of every user, under new userIds."""
    keep = rng.random(len(ratings)) < KEEP
    kept = ratings[keep]
    shift = rng.choice([-0.5, 0.5], size=len(kept))
    moved = rng.random(shift.size) < JITTER
    values = kept["rating"].to_numpy(np.float64) + np.where(moved, shift, 0.0)
    return pa.table(
        {
            "userId": kept["userId"].to_numpy(np.int64) + user_offset,
            "movieId": kept["movieId"].to_numpy(np.int64),
            "rating": np.clip(values, 0.5, 5.0),
            "timestamp": kept["timestamp"].to_numpy(np.int64),
        }
    )


def generate(source: Path, target: Path, copies: int, seed: int = 0) -> int:
    """Write ``target``/movies.csv and ratings.csv; return the number of ratings."""
    started = time.perf_counter()
    ratings = pd.read_csv(source / "ratings.csv")
    rng = np.random.default_rng(seed)
    stride = int(ratings["userId"].max()) + 1
    table = pa.concat_tables(
        [_clone(ratings, copy * stride, rng) for copy in range(copies)]
    )
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "movies.csv", target / "movies.csv")
    partial = target / "ratings.csv.part"
    pa_csv.write_csv(table, partial)
    partial.replace(target / "ratings.csv")
    print(
        f"generated {table.num_rows:,} ratings in {time.perf_counter() - started:.1f} s"
    )
    return int(table.num_rows)
