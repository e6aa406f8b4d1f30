"""`make bench`: movie-recs against the pandas original on ~25M scaled ratings.

Writes benchmarks/results/benchmark.json and benchmark.md (git-ignored; the web
service's figures: serve.json and serve.md, see bench_serve) and
fails if the classic scores differ from the pandas baseline's by one bit.
Environment: MOVIELENS_DIR (the ml-latest-small to scale), BENCH_COPIES
(default 250), BENCH_BASELINE_QUERIES (default 12), BENCH_QUERIES (default 200).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import bench_serve
from benchmarks.baseline_classic import LIKED_ABOVE
from benchmarks.generate import generate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SHARED = HERE.parents[2] / "shared" / "data" / "movielens" / "ml-latest-small"
# Toy Story, Star Wars, Pulp Fiction, Shawshank, The Matrix: the heaviest queries
POPULAR = [1, 260, 296, 318, 2571]
CLI_LINES = 1000  # history lines per timed `recommend --batch`


def _source() -> Path:
    source = Path(os.environ.get("MOVIELENS_DIR") or SHARED)
    if not (source / "ratings.csv").is_file():
        sys.exit(f"run_benchmarks: no ml-latest-small in {source} (set MOVIELENS_DIR)")
    return source


def _scaled(source: Path, copies: int) -> Path:
    target = RESULTS / f"ml-scaled-x{copies}"
    if not (target / "ratings.csv").is_file():
        generate(source, target, copies)
    return target


def _seeds(source: Path, baseline_queries: int, queries: int) -> dict[str, list[int]]:
    ratings = pd.read_csv(source / "ratings.csv")
    liked = ratings["rating"] > LIKED_ABOVE
    loved = np.unique(ratings.loc[liked, "movieId"].to_numpy())
    rng = np.random.default_rng(7)
    random_ids = rng.choice(loved, size=min(queries, loved.size), replace=False)
    baseline = [int(i) for i in random_ids[:baseline_queries]]
    return {
        "latency": [int(i) for i in random_ids],
        "baseline": baseline,
        "popular": POPULAR,
    }


def _phase(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.phases", *args]
    done = subprocess.run(  # noqa: S603  (our own module)
        command, check=True, capture_output=True, text=True, cwd=HERE.parent
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _process_seconds(
    data: Path, cache: Path, *, bytecode: bool, runs: int = 5
) -> float:
    """Median wall time of a whole `movie-recs recommend` process (warm cache).

    With ``bytecode`` the processes may write and reuse .pyc files, as on a usual
    install; without, every run compiles numpy/scipy's Python code again (as when
    PYTHONDONTWRITEBYTECODE is set, like on the machine the README figures come from).
    """
    binary = Path(sys.executable).with_name("movie-recs")
    command = [str(binary), "recommend", "--movie-id", "1", "--data-dir", str(data)]
    command += ["--cache-dir", str(cache), "--format", "json"]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    subprocess.run(command, check=True, capture_output=True, env=env)  # noqa: S603  (our own CLI)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)  # noqa: S603  (our own CLI)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _batch_seconds(data: Path, cache: Path, batch: Path, runs: int = 3) -> float:
    """Median wall time of a whole `movie-recs recommend --batch` process."""
    binary = Path(sys.executable).with_name("movie-recs")
    command = [str(binary), "recommend", "--batch", str(batch), "--data-dir", str(data)]
    command += ["--cache-dir", str(cache)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603  (our own CLI)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _history_cli_ms(data: Path, cache: Path, users: list[int]) -> float:
    """Per-query time of `user:` lines through the CLI, start-up and loading excluded.

    (time of a batch of ~1,000 lines - time of a batch of one) / (lines - 1): the
    users repeated until there are enough lines for the start-up's noise to average
    out (each line is answered afresh: the CLI keeps no answer cache).
    """
    one, many = RESULTS / "history-one.txt", RESULTS / "history-many.txt"
    lines = [f"user:{user}\n" for user in users] * -(-CLI_LINES // len(users))
    one.write_text(lines[0], encoding="utf-8")
    many.write_text("".join(lines), encoding="utf-8")
    difference = _batch_seconds(data, cache, many) - _batch_seconds(data, cache, one)
    return 1000 * difference / (len(lines) - 1)


def _check_identical(ours: dict[str, Any], baseline: dict[str, Any]) -> int:
    checked = 0
    for group in ("baseline", "popular"):
        for movie_id, expected in baseline[group].items():
            checked += 1
            if ours[group][movie_id]["scores"] != expected["scores"]:
                message = f"classic scores differ from pandas for movieId {movie_id}"
                raise SystemExit(message)
    return checked


def _ms(values: list[float]) -> tuple[float, float]:
    return 1000 * statistics.median(values), 1000 * float(np.percentile(values, 95))


def _versus(ours: dict[str, Any], base: dict[str, Any], group: str) -> list[Any]:
    pandas_median, pandas_p95 = _ms([e["seconds"] for e in base[group].values()])
    our_median, our_p95 = _ms([e["seconds"] for e in ours[group].values()])
    label = "random movies" if group == "baseline" else "blockbusters"
    count = len(base[group])
    return [
        (
            f"classic on {count} {label}: pandas (median / p95)",
            f"{pandas_median:.1f} ms / {pandas_p95:.1f} ms",
        ),
        (
            f"classic on {count} {label}: movie-recs (median / p95)",
            f"{our_median:.2f} ms / {our_p95:.2f} ms",
        ),
        (
            f"classic on {count} {label}: speed-up (median / p95)",
            f"{pandas_median / our_median:.0f}x / {pandas_p95 / our_p95:.0f}x",
        ),
    ]


def _history_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    fit, queries = figures["history_fit"], figures["history"]
    user_median, user_p95 = _ms(queries["latency"]["user"])
    films_median, films_p95 = _ms(queries["latency"]["films"])
    hybrid_median, hybrid_p95 = _ms(queries["latency"]["hybrid"])
    slowest = 1000 * max(queries["latency"]["user"])
    return [
        (
            f"history model fit (EASE on {fit['movies']:,} movies, from the cached "
            "index; Gram matrix + rank-50 eigenpairs + Cholesky + write)",
            f"{fit['fit_s']:.1f} s, peak RSS {fit['peak_mib']:.0f} MiB",
        ),
        (
            "history model on disk / load (memory-mapped) and warm-up read",
            f"{fit['model_mib']:.0f} MiB / {queries['model_load_s']:.2f} s",
        ),
        (
            f"history, a user's ratings, {len(queries['latency']['user'])} users "
            f"(median history {queries['median_history']:.0f} ratings, max "
            f"{queries['max_history']:,}): median / p95 / max",
            f"{user_median:.2f} ms / {user_p95:.2f} ms / {slowest:.2f} ms",
        ),
        (
            f"history, three films, {len(queries['latency']['films'])} queries "
            "(median / p95)",
            f"{films_median:.2f} ms / {films_p95:.2f} ms",
        ),
        (
            f"one film, the default hybrid (fans + co-occurrence, whole answer), "
            f"{len(queries['latency']['hybrid'])} random movies (median / p95)",
            f"{hybrid_median:.2f} ms / {hybrid_p95:.2f} ms",
        ),
        (
            f"history through the CLI: `recommend --batch` of ~{CLI_LINES:,} `user:` "
            f"lines ({len(queries['users'])} users repeated), per line",
            f"{figures['history_cli_ms']:.1f} ms",
        ),
    ]


def _report(figures: dict[str, Any]) -> str:
    ours, base, build = figures["ours"], figures["baseline"], figures["build"]
    rows = [
        (
            "data",
            f"{build['ratings']:,} ratings, {build['users']:,} users, "
            f"{build['movies']:,} movies",
        ),
        *_versus(ours, base, "baseline"),
        *_versus(ours, base, "popular"),
        ("identical classic scores", f"yes, {figures['identical']} queries, exact"),
    ]
    for name in ("classic", "fans", "search"):
        median, p95 = _ms(ours["latency"][name])
        count = len(ours["latency"][name])
        rows.append(
            (
                f"{name}, movie-recs, {count} random movies (median / p95)",
                f"{median:.2f} ms / {p95:.2f} ms",
            )
        )
    rows += [
        ("index build (parse CSV + build + write cache)", f"{build['build_s']:.1f} s"),
        ("pandas read_csv of ratings.csv (baseline)", f"{base['load_s']:.1f} s"),
        ("load from cache (memory-mapped, CRC-checked)", f"{ours['load_s']:.2f} s"),
        (
            "peak RSS: build / query process / pandas baseline",
            f"{build['peak_mib']:.0f} / {ours['peak_mib']:.0f} / "
            f"{base['peak_mib']:.0f} MiB",
        ),
        (
            "`movie-recs recommend --movie-id 1`, whole process, warm cache "
            "(median of 5; .pyc cached / PYTHONDONTWRITEBYTECODE=1)",
            f"{figures['process_s']:.2f} s / {figures['process_no_pyc_s']:.2f} s",
        ),
    ]
    rows += _history_rows(figures)
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main() -> None:
    """Generate the data, run every phase, check identity, write the tables."""
    copies = int(os.environ.get("BENCH_COPIES", "250"))
    baseline_queries = int(os.environ.get("BENCH_BASELINE_QUERIES", "12"))
    queries = int(os.environ.get("BENCH_QUERIES", "200"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    source = _source()
    data = _scaled(source, copies)
    cache = RESULTS / "cache"
    seeds_file = RESULTS / "seeds.json"
    seeds_file.write_text(json.dumps(_seeds(source, baseline_queries, queries)))
    figures: dict[str, Any] = {"copies": copies}
    print("building the index ...", flush=True)
    figures["build"] = _phase("build", str(data), str(cache / "index"))
    print("timing movie-recs ...", flush=True)
    figures["ours"] = _phase("ours", str(data), str(cache / "index"), str(seeds_file))
    print("timing the pandas baseline ...", flush=True)
    figures["baseline"] = _phase("baseline", str(data), "-", str(seeds_file))
    figures["identical"] = _check_identical(figures["ours"], figures["baseline"])
    print("fitting the history model ...", flush=True)
    figures["history_fit"] = _phase("history-fit", str(data), str(cache / "index"))
    print("timing history queries ...", flush=True)
    figures["history"] = _phase(
        "history", str(data), str(cache / "index"), str(seeds_file)
    )
    figures["history_cli_ms"] = _history_cli_ms(
        data, cache, figures["history"]["users"]
    )
    figures["process_s"] = _process_seconds(data, cache, bytecode=True)
    figures["process_no_pyc_s"] = _process_seconds(data, cache, bytecode=False)
    report = _report(figures)
    (RESULTS / "benchmark.json").write_text(json.dumps(figures, indent=1))
    (RESULTS / "benchmark.md").write_text(report + "\n")
    print(report)
    print("timing the web service (wrk) ...", flush=True)
    print(bench_serve.run(data, cache))


if __name__ == "__main__":
    main()
