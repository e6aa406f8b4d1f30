"""One benchmark phase per process, so that each reports its own peak memory.

Usage: python -m benchmarks.phases build|ours|baseline|history-fit|history DATA_DIR
CACHE_DIR [SEEDS_JSON]
Prints one JSON object on stdout.
"""

import json
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.baseline_classic import find_similar_movies
from movie_recommender.engine import Engine
from movie_recommender.options import RecommendOptions
from movie_recommender.store import history_folder, open_index

WARMUP = 3


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(data_dir: Path, cache_dir: Path) -> dict[str, Any]:
    """Parse the CSVs, build the index and write the cache."""
    started = time.perf_counter()
    index = open_index(data_dir, cache_dir, rebuild=True)
    return {
        "build_s": time.perf_counter() - started,
        "ratings": int(index.by_user.nnz),
        "users": index.n_users,
        "movies": index.n_items,
        "peak_mib": _peak_mib(),
    }


def _timed(function: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def ours(
    data_dir: Path, cache_dir: Path, seeds: dict[str, list[int]]
) -> dict[str, Any]:
    """Load from the cache, then time classic and fans per query."""
    load_s, index = _timed(open_index, data_dir, cache_dir)
    engine = Engine(index)
    recommender = engine.recommender
    for movie_id in seeds["latency"][:WARMUP]:  # builds the thresholded views once
        recommender.classic(index.item_of(movie_id))
        recommender.fans(index.item_of(movie_id))
    latency: dict[str, list[float]] = {"classic": [], "fans": [], "search": []}
    for movie_id in seeds["latency"]:
        item = index.item_of(movie_id)
        latency["classic"].append(_timed(recommender.classic, item)[0])
        latency["fans"].append(_timed(recommender.fans, item)[0])
        latency["search"].append(_timed(engine.search, index.titles[item], 5)[0])
    compared = _classic_scores(engine, seeds)
    title_answer = engine.recommend("toy story", None, RecommendOptions(limit=3))
    return {
        "load_s": load_s,
        "latency": latency,
        **compared,
        "toy_story": [rec.title for rec in title_answer.recommendations],
        "peak_mib": _peak_mib(),
    }


def _classic_scores(
    engine: Engine, seeds: dict[str, list[int]]
) -> dict[str, dict[str, Any]]:
    index = engine.index
    compared: dict[str, dict[str, Any]] = {"baseline": {}, "popular": {}}
    for group, entries in compared.items():
        for movie_id in seeds[group]:
            seconds, scores = _timed(
                engine.recommender.classic, index.item_of(movie_id)
            )
            entries[str(movie_id)] = {
                "seconds": seconds,
                "scores": {
                    str(int(index.movie_ids[item])): float(score)
                    for item, score in zip(scores.items, scores.scores, strict=True)
                },
            }
    return compared


def baseline(data_dir: Path, seeds: dict[str, list[int]]) -> dict[str, Any]:
    """The pandas implementation of classic on the same data and seeds."""
    load_s, ratings = _timed(pd.read_csv, data_dir / "ratings.csv")
    compared: dict[str, dict[str, Any]] = {"baseline": {}, "popular": {}}
    for group, entries in compared.items():
        for movie_id in seeds[group]:
            seconds, scores = _timed(find_similar_movies, ratings, movie_id)
            entries[str(movie_id)] = {
                "seconds": seconds,
                "scores": {str(key): float(value) for key, value in scores.items()},
            }
    return {
        "load_s": load_s,
        **compared,
        "rows": len(ratings),
        "mean_rating": float(np.mean(ratings["rating"])),
        "peak_mib": _peak_mib(),
    }


def history_fit(data_dir: Path, cache_dir: Path) -> dict[str, Any]:
    """Fit the history model from the cached index and write it to the cache."""
    index = open_index(data_dir, cache_dir)
    folder = history_folder(data_dir, cache_dir)
    shutil.rmtree(folder, ignore_errors=True)
    before = _peak_mib()
    engine = Engine(index, folder)
    seconds = _timed(engine.prepare_history)[0]
    model = engine.history
    return {
        "fit_s": seconds,
        "movies": int(model.items.size),
        "model_mib": model.weights.nbytes / 2**20,
        "peak_mib": _peak_mib(),
        "peak_before_fit_mib": before,
    }


def history(
    data_dir: Path, cache_dir: Path, seeds: dict[str, list[int]]
) -> dict[str, Any]:
    """Load the index and the cached history model, then time history queries."""
    load_s, index = _timed(open_index, data_dir, cache_dir)
    engine = Engine(index, history_folder(data_dir, cache_dir))
    model_s = _timed(engine.prepare_history)[0]
    users = [int(user) for user in index.user_ids[:: max(index.n_users // 200, 1)]]
    for user in users[:WARMUP]:
        engine.recommend_user(user)
    latency: dict[str, list[float]] = {"user": [], "films": [], "hybrid": []}
    for user in users:
        latency["user"].append(_timed(engine.recommend_user, user)[0])
    films = seeds["latency"]
    for movie_id in films:  # one film: the default, hybrid (fans + co-occurrence)
        latency["hybrid"].append(_timed(engine.recommend_movies, [movie_id])[0])
    for start in range(0, len(films) - 2, 3):
        latency["films"].append(
            _timed(engine.recommend_movies, films[start : start + 3])[0]
        )
    history_sizes = np.diff(index.by_user.indptr)[
        [index.user_of(user) for user in users]
    ]
    return {
        "load_s": load_s,
        "model_load_s": model_s,
        "latency": latency,
        "users": users,
        "median_history": float(np.median(history_sizes)),
        "max_history": int(history_sizes.max()),
        "peak_mib": _peak_mib(),
    }


def main() -> None:
    """Run the phase named on the command line and print its JSON."""
    phase, data_dir, cache_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    seeds = json.loads(Path(sys.argv[4]).read_text("utf-8")) if sys.argv[4:] else {}
    if phase == "build":
        result = build(data_dir, cache_dir)
    elif phase == "ours":
        result = ours(data_dir, cache_dir, seeds)
    elif phase == "history-fit":
        result = history_fit(data_dir, cache_dir)
    elif phase == "history":
        result = history(data_dir, cache_dir, seeds)
    else:
        result = baseline(data_dir, seeds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
