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


def generate(source: Path, target: Path, copies: int, seed: int = 0) -> int:
    """Write ``target``/movies.csv and ratings.csv; return the number of ratings."""
    started = time.perf_counter()
    ratings = pd.read_csv(source / "ratings.csv")
    users = ratings["userId"].to_numpy(np.int64)
    movies = ratings["movieId"].to_numpy(np.int64)
    values = ratings["rating"].to_numpy(np.float64)
    timestamps = ratings["timestamp"].to_numpy(np.int64)
    rng = np.random.default_rng(seed)
    stride = int(users.max()) + 1
    chunks = []
    for copy in range(copies):
        keep = rng.random(users.size) < KEEP
        shift = rng.choice([-0.5, 0.5], size=int(keep.sum()))
        moved = rng.random(shift.size) < JITTER
        rating = np.clip(values[keep] + np.where(moved, shift, 0.0), 0.5, 5.0)
        chunks.append(
            pa.table(
                {
                    "userId": users[keep] + copy * stride,
                    "movieId": movies[keep],
                    "rating": rating,
                    "timestamp": timestamps[keep],
                }
            )
        )
    table = pa.concat_tables(chunks)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "movies.csv", target / "movies.csv")
    partial = target / "ratings.csv.part"
    pa_csv.write_csv(table, partial)
    partial.replace(target / "ratings.csv")
    print(
        f"generated {table.num_rows:,} ratings in {time.perf_counter() - started:.1f} s"
    )
    return int(table.num_rows)
