"""`make bench`, the web service: `movie-recs serve` under wrk, beside two baselines.

Three servers on 127.0.0.1 in the same run, each FastAPI on uvicorn with the same
number of worker processes (``BENCH_SERVE_WORKERS``, 2), the same event loop and
HTTP protocol (asyncio, httptools without Nagle: see ``web/http_protocol``):

- original: the course's pandas function (``baseline_classic``) over the whole
  ratings frame for every request, called in the handler (one query at a time per
  worker: FastAPI's default thread pool would run 40 pandas queries at once per
  worker and exhaust the memory at 24M ratings);
- ceiling: a dict lookup of the exact bytes `movie-recs serve` answers, computed
  beforehand (what the web stack itself can do);
- serve: ``movie-recs serve --workers 2`` with its defaults (64 API requests in
  flight per worker, a 2 s time budget, a 64 MiB answer cache).

The original is measured alone first (its memory would crowd the others); the
ceiling and serve then run at the same time and are measured point by point, one
right after the other, so that both see the same machine load (the 1-minute load
average is recorded with every point). wrk asks
``/api/recommendations?movie_id=ID`` with ids drawn from a Zipf law over the films
ranked by rating count (a few films get most requests) at 1, 16, 64 and 256
connections, then 512 (the overload), ``BENCH_SERVE_SECONDS`` (10) each, after a
warm-up at 16 connections (serve: 15 s rounds until one has 99% answer cache
hits, as a service running for a while has, at most ``BENCH_SERVE_WARMUP``, 240 s;
the ceiling: 3 s; the original has nothing to warm). A request slower than
``BENCH_SERVE_TIMEOUT`` (1 s; 30 s for the original) counts as a timeout, so none
at 512 means every answer, 200 or 503, came within it. Reported per point:
requests/s, p50/p99 latency, status counts, socket errors, shed rate; per server:
the PSS of all its processes (the largest seen after a point), the time to ready
and the answer cache's hit rate during the points.

Usage: ``python -m benchmarks.bench_serve [DATA_DIR CACHE_DIR]`` from Project_01
(default: the x250 set and cache of ``make bench``). Writes
benchmarks/results/serve.json and serve.md.
"""

import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from benchmarks.baseline_classic import find_similar_movies
from movie_recommender.store import open_index
from movie_recommender.web.http_protocol import EVENT_LOOP, HTTP_PROTOCOL
from movie_recommender.web.queries import RecommendationQuery
from movie_recommender.web.service import load_service

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PROJECT = HERE.parent
CONCURRENCY = (1, 16, 64, 256)
OVERLOAD = 512
ZIPF_EXPONENT = 1.0
SAMPLE = 20_000  # request paths wrk walks through
ORIGINAL_TIMEOUT = 30
STACK_WARMUP = 3  # seconds: the ceiling has no cache to fill
WARM_ROUND = 15  # seconds of one warm-up round of serve
WARM_HITS = 0.99  # serve is warm once a round's cache hit rate reaches this
DRAIN_SECONDS = 60  # a server still busy after a point longer than this is restarted
OK = 200
ARGUMENTS = 2  # DATA_DIR CACHE_DIR
DATA_ENV, ANSWERS_ENV = "BENCH_SERVE_DATA", "BENCH_SERVE_ANSWERS"
PATH = "/api/recommendations"
WORKERS = int(os.environ.get("BENCH_SERVE_WORKERS", "2"))
SERVE = f"movie-recs serve --workers {WORKERS}"

WRK_SCRIPT = """
local paths = {}
for line in io.lines(%(paths)s) do paths[#paths + 1] = line end
local threads, started = {}, 0

function setup(thread)
  thread:set("offset", started * 7919)
  started = started + 1
  table.insert(threads, thread)
end

function init(args)
  statuses, position = {}, offset
end

function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[#counts + 1] = string.format('"%%d": %%d', status, count)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, ' ..
    '"max_ms": %%f, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, ' ..
    '"statuses": [{%%s}]}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, errors.connect, errors.read,
    errors.write, errors.timeout, table.concat(counts, "}, {")))
end
"""


# --- the two baselines, as uvicorn app factories (workers import this module) ---


def _ready_app() -> FastAPI:
    """A FastAPI app whose /readyz answers at once (the baselines load before)."""
    app = FastAPI()

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def original_app() -> FastAPI:
    """The course's pandas function behind FastAPI (``$BENCH_SERVE_DATA``)."""
    data = Path(os.environ[DATA_ENV])
    ratings = pd.read_csv(data / "ratings.csv", engine="pyarrow")
    titles = pd.read_csv(data / "movies.csv").set_index("movieId")["title"]
    app = _ready_app()

    @app.get(PATH)
    async def recommend(movie_id: Annotated[int, Query()]) -> JSONResponse:
        scores = find_similar_movies(ratings, movie_id).head(10)
        films = [
            {"movieId": int(movie), "title": str(titles.loc[movie]), "score": score}
            for movie, score in zip(
                scores.index.to_numpy(), scores.to_numpy().tolist(), strict=True
            )
        ]
        return JSONResponse({"movieId": movie_id, "recommendations": films})

    return app


def ceiling_app() -> FastAPI:
    """Precomputed answers behind FastAPI (``$BENCH_SERVE_ANSWERS``)."""
    text = Path(os.environ[ANSWERS_ENV]).read_text(encoding="utf-8")
    answers = {int(key): body.encode() for key, body in json.loads(text).items()}
    app = _ready_app()

    @app.get(PATH)
    async def recommend(movie_id: Annotated[int, Query()]) -> Response:
        body = answers.get(movie_id)
        if body is None:
            raise HTTPException(404, f"unknown movieId: {movie_id}")
        return Response(body, media_type="application/json")

    return app


# --- the load and the measures ---


@dataclass(frozen=True)
class Server:
    """How to start one of the three servers."""

    name: str
    command: list[str]
    env: dict[str, str]
    timeout: float  # wrk's: a slower answer counts as a timeout
    warmup: float  # seconds of load before the measured points


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _zipf_ids(data: Path, index_root: Path, rng: np.random.Generator) -> list[int]:
    """Movie ids drawn from a Zipf law over the films ranked by rating count."""
    index = open_index(data, index_root)
    counts = np.asarray(index.rating_counts)
    order = np.lexsort((index.movie_ids, -counts))
    ranked = np.asarray(index.movie_ids)[order[counts[order] > 0]]
    weights = 1.0 / np.arange(1, ranked.size + 1) ** ZIPF_EXPONENT
    drawn = rng.choice(ranked, size=SAMPLE, p=weights / weights.sum())
    return [int(movie) for movie in drawn]


def _data_size(data: Path, index_root: Path) -> dict[str, Any]:
    index = open_index(data, index_root)
    return {
        "films": int(np.count_nonzero(np.asarray(index.rating_counts))),
        "ratings": f"{int(index.by_user.nnz):,} ratings",
    }


def _precompute(data: Path, index_root: Path, ids: list[int], target: Path) -> float:
    """Write what `movie-recs serve` answers for each id; return the seconds."""
    started = time.perf_counter()
    service = load_service(data, index_root)
    answers = {
        movie: service.recommend(RecommendationQuery((movie,))).body.decode()
        for movie in sorted(set(ids))
    }
    target.write_text(json.dumps(answers), encoding="utf-8")
    return time.perf_counter() - started


def _pss_mib(root: int) -> float:
    """The PSS of a process and all its descendants, in MiB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text("utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kib, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text("ascii")
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def _ready_seconds(port: int, process: subprocess.Popen[bytes], limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise SystemExit(f"bench_serve: a server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/readyz", timeout=5
            ) as answer:
                if answer.status == OK:
                    return time.perf_counter() - started
        except (urllib.error.URLError, OSError):
            pass  # not listening, or 503 while loading
        time.sleep(0.05)
    raise SystemExit(f"bench_serve: no server ready on port {port} in {limit:.0f} s")


@contextmanager
def _running(server: Server, port: int) -> Iterator[tuple[int, float]]:
    """Start a server; yield its pid and its time to ready; SIGTERM it after."""
    env = {**os.environ, **server.env}
    command = [part.replace("{port}", str(port)) for part in server.command]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603  (our own servers)
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        _ready_seconds(port, process, 900)
        yield process.pid, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wrk(
    port: int, script: Path, connections: int, seconds: float, timeout: float
) -> dict[str, Any]:
    """One wrk run; its figures (statuses as a dict of counts)."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}"]
    command += [f"-d{seconds:g}s", f"--timeout={timeout:g}s", "-s", str(script)]
    command.append(f"http://127.0.0.1:{port}")
    done = subprocess.run(  # noqa: S603  (wrk on loopback)
        command, check=True, capture_output=True, text=True, timeout=seconds + 120
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK "))
    figures: dict[str, Any] = json.loads(line[4:])
    statuses: dict[str, int] = {}
    for counts in figures.pop("statuses"):
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    figures["statuses"] = dict(sorted(statuses.items()))
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["shed"] = statuses.get("503", 0) / max(figures["requests"], 1)
    return figures


def _servers(data: Path, cache: Path, answers: Path, workers: int) -> list[Server]:
    python = sys.executable
    uvicorn = [python, "-m", "uvicorn", "--factory", "--host", "127.0.0.1"]
    uvicorn += ["--port", "{port}", "--workers", str(workers), "--log-level", "error"]
    uvicorn += ["--loop", EVENT_LOOP, "--http", HTTP_PROTOCOL]  # as serve runs it
    timeout = float(os.environ.get("BENCH_SERVE_TIMEOUT", "1"))
    warmup = float(os.environ.get("BENCH_SERVE_WARMUP", "240"))
    serve = [str(Path(python).with_name("movie-recs")), "serve", "--data-dir"]
    serve += [str(data), "--cache-dir", str(cache), "--port", "{port}"]
    serve += ["--workers", str(workers)]
    return [
        Server(
            "original (pandas per request)",
            [*uvicorn, "benchmarks.bench_serve:original_app"],
            {DATA_ENV: str(data)},
            ORIGINAL_TIMEOUT,
            0,  # nothing to warm
        ),
        Server(
            "ceiling (precomputed answers)",
            [*uvicorn, "benchmarks.bench_serve:ceiling_app"],
            {ANSWERS_ENV: str(answers)},
            timeout,
            STACK_WARMUP,
        ),
        Server(SERVE, serve, {}, timeout, warmup),
    ]


def _get(port: int, path: str, timeout: float) -> str | None:
    """The body of a 200 answer, or None (refused, an error, or too slow)."""
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}{path}", timeout=timeout
        ) as answer:
            return str(answer.read().decode())
    except (urllib.error.URLError, OSError):
        return None


def _cache_counts(port: int) -> dict[str, float]:
    """Answer cache hits (own or shared) and misses so far (zeros: no cache)."""
    counts = dict.fromkeys(("hit", "miss"), 0.0)
    results = {"hit": "hit", "shared": "hit", "miss": "miss"}
    for line in (_get(port, "/metrics", 10) or "").splitlines():
        for result, kind in results.items():
            if line.startswith(f'movie_recs_answer_cache_total{{result="{result}"}}'):
                counts[kind] += float(line.split()[-1])
    return counts


def _hit_rate(before: dict[str, float], after: dict[str, float]) -> float | None:
    hits, misses = (after[key] - before[key] for key in ("hit", "miss"))
    return hits / (hits + misses) if hits + misses else None


def _warm_up(server: Server, port: int, script: Path) -> float:
    """Load at 16 connections: rounds until the answer cache is warm, within limits.

    A server without a cache (no hits or misses counted) gets one round of
    ``server.warmup`` seconds; serve gets rounds of ``WARM_ROUND`` seconds until
    one has ``WARM_HITS`` cache hits or ``server.warmup`` seconds have passed.
    Returns the seconds spent.
    """
    spent = 0.0
    while spent < server.warmup:
        before = _cache_counts(port)
        length = min(WARM_ROUND, server.warmup - spent)
        _wrk(port, script, 16, length, server.timeout)
        spent += length
        hits = _hit_rate(before, _cache_counts(port))
        if hits is None or hits >= WARM_HITS:
            break
    return spent


def _measure(server: Server, script: Path, seconds: float) -> dict[str, Any]:
    """Every point on one server; restarted when a point leaves it busy.

    The original answers one request at a time per worker: after a point it still
    owes the requests of closed connections (minutes at 256 connections), which
    would delay the next point. ``/readyz`` answers only once that backlog is done.
    """
    port, todo = _free_port(), [*CONCURRENCY, OVERLOAD]
    figures: dict[str, Any] = {"points": {}, "ready_s": [], "pss_mib": 0.0}
    print(f"bench_serve: {server.name} ...", flush=True)
    while todo:
        with _running(server, port) as (pid, ready_s):
            figures["ready_s"].append(ready_s)
            figures["warmup_s"] = _warm_up(server, port, script)
            before = _cache_counts(port)
            while todo:
                connections = todo.pop(0)
                _point(figures, (port, pid), (script, connections, seconds), server)
                if todo and _get(port, "/readyz", DRAIN_SECONDS) is None:
                    break  # still busy with the last point's backlog: restart
            figures["hit_rate"] = _hit_rate(before, _cache_counts(port))
    figures["restarts"] = len(figures["ready_s"]) - 1
    return figures


def _point(
    figures: dict[str, Any],
    where: tuple[int, int],
    load: tuple[Path, int, float],
    server: Server,
) -> None:
    """One wrk point on a running server (port, pid): figures, load, PSS."""
    (port, pid), (script, connections, seconds) = where, load
    point = _wrk(port, script, connections, seconds, server.timeout)
    point["load_1min"] = os.getloadavg()[0]
    figures["points"][str(connections)] = point
    figures["pss_mib"] = max(figures["pss_mib"], _pss_mib(pid))


def _measure_side_by_side(
    servers: list[Server], script: Path, seconds: float
) -> dict[str, dict[str, Any]]:
    """Every point on servers running together, one server after the other.

    Each server is started (and timed to ready) alone, then all are warmed up;
    at each number of connections, each server gets its point in turn, and
    answers ``/readyz`` before the next one starts.
    """
    figures: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        running = []
        for server in servers:
            print(f"bench_serve: {server.name} ...", flush=True)
            port = _free_port()
            pid, ready_s = stack.enter_context(_running(server, port))
            running.append((server, port, pid))
            figures[server.name] = {
                "points": {},
                "ready_s": [ready_s],
                "pss_mib": 0.0,
                "restarts": 0,
            }
        for server, port, _ in running:
            figures[server.name]["warmup_s"] = _warm_up(server, port, script)
        before = {server.name: _cache_counts(port) for server, port, _ in running}
        for connections in (*CONCURRENCY, OVERLOAD):
            for server, port, pid in running:
                where, load = (port, pid), (script, connections, seconds)
                _point(figures[server.name], where, load, server)
                if _get(port, "/readyz", DRAIN_SECONDS) is None:
                    raise SystemExit(f"bench_serve: {server.name} stayed busy")
        for server, port, _ in running:
            after = _cache_counts(port)
            figures[server.name]["hit_rate"] = _hit_rate(before[server.name], after)
    return figures


def _cell(point: dict[str, Any]) -> list[str]:
    statuses = ", ".join(f"{code}: {n:,}" for code, n in point["statuses"].items())
    errors = {k: point[k] for k in ("timeout", "read", "connect", "write") if point[k]}
    return [
        f"{point['rps']:,.0f}",
        f"{point['p50_ms']:.1f} / {point['p99_ms']:.1f}",
        statuses or "none",
        ", ".join(f"{k} {v:,}" for k, v in errors.items()) or "none",
        f"{100 * point['shed']:.1f}%",
        f"{point['load_1min']:.1f}",
    ]


def report(figures: dict[str, Any]) -> str:
    """The Markdown tables of a run."""
    lines = [
        f"wrk on 127.0.0.1, {figures['seconds']:g} s per point; warm-up at 16 "
        "connections: serve until a 15 s round has 99% cache hits (here "
        f"{figures['servers'][SERVE]['warmup_s']:g} s), ceiling {STACK_WARMUP} s, "
        "original none; Zipf ids "
        f"(exponent {ZIPF_EXPONENT:g}) over {figures['films']:,} rated films, "
        f"{figures['workers']} uvicorn workers each, {figures['ratings']}; "
        "the ceiling and serve measured point by point side by side; load = the "
        "1-minute load average after the point.",
        "",
        "| server | connections | requests/s | p50 / p99 ms | statuses "
        "| socket errors | shed | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, server in figures["servers"].items():
        for connections, point in server["points"].items():
            cells = " | ".join(_cell(point))
            lines.append(f"| {name} | {connections} | {cells} |")
    lines += [
        "",
        "| server | ready after start (warm cache) | PSS of all its processes "
        "| answer cache hits during the points | restarts (busy after a point) |",
        "|---|---|---|---|---|",
    ]
    for name, server in figures["servers"].items():
        hits = server["hit_rate"]
        lines.append(
            f"| {name} | {server['ready_s'][0]:.1f} s | {server['pss_mib']:,.0f} MiB | "
            + ("-" if hits is None else f"{100 * hits:.1f}%")
            + f" | {server['restarts']} |"
        )
    return "\n".join(lines)


def run(data: Path, cache: Path) -> str:
    """Measure the three servers on ``data`` (index cache in ``cache``/index)."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench_serve: wrk not found: apt-get install wrk (Debian)")
    seconds = float(os.environ.get("BENCH_SERVE_SECONDS", "10"))
    workers = WORKERS
    RESULTS.mkdir(parents=True, exist_ok=True)
    ids = _zipf_ids(data, cache / "index", np.random.default_rng(11))
    paths = RESULTS / "serve-paths.txt"
    paths.write_text("".join(f"{PATH}?movie_id={m}\n" for m in ids), encoding="utf-8")
    script = RESULTS / "serve.lua"
    script.write_text(WRK_SCRIPT % {"paths": json.dumps(str(paths))}, encoding="utf-8")
    figures: dict[str, Any] = {
        "seconds": seconds,
        "workers": workers,
        **_data_size(data, cache / "index"),
        "distinct_ids": len(set(ids)),
        "servers": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        answers = Path(folder) / "answers.json"
        figures["precompute_s"] = _precompute(data, cache / "index", ids, answers)
        gc.collect()  # unmap the index here: PSS shares its pages among mappers
        original, *side_by_side = _servers(data, cache, answers, workers)
        figures["servers"][original.name] = _measure(original, script, seconds)
        figures["servers"].update(_measure_side_by_side(side_by_side, script, seconds))
    text = report(figures)
    (RESULTS / "serve.json").write_text(json.dumps(figures, indent=1), "utf-8")
    (RESULTS / "serve.md").write_text(text + "\n", "utf-8")
    return text


def main() -> None:
    """Run on the given folders, else on the x250 set of `make bench`."""
    if len(sys.argv) == 1 + ARGUMENTS:
        data, cache = Path(sys.argv[1]), Path(sys.argv[2])
    else:
        data, cache = RESULTS / "ml-scaled-x250", RESULTS / "cache"
    if not (data / "ratings.csv").is_file():
        sys.exit(f"bench_serve: no ratings.csv in {data} (run `make bench` first)")
    print(run(data, cache))


if __name__ == "__main__":
    main()
