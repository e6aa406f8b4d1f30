"""Benchmark: the DAG on the local stack, one Celery worker versus two, against the CLI.

100 episodes of the shared LJ Speech clip (~1.2 MB each; ``PODCAST_TEST_AUDIO``,
else ``../shared/data/audio/`` beside the repository) behind the local feed
server with injected latency and a per-connection bandwidth cap. Three runs of
the same kind of feed (each its own episodes, so each downloads everything),
downloads only:

1. the CLI's in-process ``podcast-pipeline run`` (threads) with as many downloads
   at once as the stack's two workers have slots;
2. the stack with worker2 stopped (one Celery worker);
3. the stack with both workers.

The per-task overhead is what a download task instance costs beyond the
transfer itself: (stack wall time x concurrent slots - CLI wall time x CLI
workers) / episodes. Writes benchmarks/results/stack.md. Needs PostgreSQL and
Redis (``make stack-up``'s requirements); brings up its own stack under
``.stack/bench-<id>`` and takes it down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # the stack package lives beside src/

# pylint: disable=wrong-import-position,import-error  # stack/ is put on sys.path above
from stack.feed import EpisodeSpec, FeedServer  # noqa: E402
from stack.layout import StackLayout, load_state  # noqa: E402
from stack.rest import AirflowApi  # noqa: E402
from stack.runs import RunOutcome, run_conf, trigger_and_wait  # noqa: E402

from stack import components, lifecycle, processes  # noqa: E402

RESULTS = PROJECT / "benchmarks" / "results" / "stack.md"
DEFAULT_AUDIO = PROJECT.parents[1] / "shared/data/audio/lj-speech-fireside-chat.mp3"
WORKER_SLOTS = components.WORKER_CONCURRENCY


@dataclass(frozen=True)
class StackRun:
    """One DAG run's figures."""

    workers: int
    wall: float
    run_wall: float
    downloads: int
    mean_task_seconds: float
    state: str


def audio_file() -> Path:
    """``PODCAST_TEST_AUDIO`` (relative to the working directory), else the default."""
    configured = os.environ.get("PODCAST_TEST_AUDIO")
    audio = Path(configured).resolve() if configured else DEFAULT_AUDIO
    if not audio.is_file():
        variable = "PODCAST_TEST_AUDIO" if configured else "default path"
        raise SystemExit(f"bench_stack: no audio file at {audio} ({variable})")
    return audio


def feed_server(prefix: str, body: bytes, args: argparse.Namespace) -> FeedServer:
    """A feed of ``args.episodes`` episodes named ``prefix-N``."""
    specs = [EpisodeSpec(f"{prefix}-{n}", body) for n in range(args.episodes)]
    return FeedServer(
        specs, latency=args.latency, bytes_per_second=args.mbps * 1e6
    ).start()


def cli_run(feed: FeedServer, episodes: int, workers: int) -> float:
    """Wall seconds of ``podcast-pipeline run`` (downloads only) on a fresh store."""
    with tempfile.TemporaryDirectory(prefix="bench-stack-cli-") as scratch:
        started = time.perf_counter()
        completed = subprocess.run(  # noqa: S603  (our own CLI)
            [
                str(Path(sys.executable).parent / "podcast-pipeline"),
                "run",
                "--feed",
                feed.feed_url,
                "--data-dir",
                scratch,
                "--max-episodes",
                str(episodes),
                "--workers",
                str(workers),
                "--no-transcribe",
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"bench_stack: CLI run failed: {completed.stderr[-500:]}")
    return seconds


def api_for(layout: StackLayout) -> AirflowApi:
    """A REST client for the benchmark's stack."""
    state = load_state(layout)
    if state is None:
        raise SystemExit(f"bench_stack: no stack in {layout.root}")
    return AirflowApi(components.api_url(state))


def download_instances(layout: StackLayout, run_id: str) -> list[dict[str, Any]]:
    """The run's download task instances, from the REST API."""
    api = api_for(layout)
    try:
        instances = api.task_instances(components.DAG_ID, run_id)
    finally:
        api.close()
    return [ti for ti in instances if str(ti["task_id"]).endswith("download")]


def download_phase(instances: list[dict[str, Any]]) -> float:
    """Seconds from the first download's start to the last one's end."""
    starts = [datetime.fromisoformat(ti["start_date"]) for ti in instances]
    ends = [datetime.fromisoformat(ti["end_date"]) for ti in instances]
    return (max(ends) - min(starts)).total_seconds()


def stack_run(
    layout: StackLayout, feed: FeedServer, episodes: int, workers: int
) -> StackRun:
    """Trigger one run (downloads only) and collect its figures."""
    conf = run_conf([feed.feed_url], episodes, transcribe=False)
    outcome: RunOutcome = trigger_and_wait(layout, conf, timeout=3600, poll=1.0)
    instances = download_instances(layout, outcome.run_id)
    task_seconds = [float(ti.get("duration") or 0.0) for ti in instances]
    return StackRun(
        workers=workers,
        wall=download_phase(instances),
        run_wall=outcome.seconds,
        downloads=len(task_seconds),
        mean_task_seconds=sum(task_seconds) / max(len(task_seconds), 1),
        state=outcome.state,
    )


def set_http_slots(layout: StackLayout, slots: int) -> None:
    """Let the worker slots, not the pool, bound the benchmark.

    Transcription is off: the scheduler skips those tasks, no pool is involved.
    """
    api = api_for(layout)
    try:
        api.ensure_pool(lifecycle.HTTP_POOL, slots, "benchmark: worker-bound")
    finally:
        api.close()


def with_one_worker(layout: StackLayout) -> None:
    """Stop worker2 (warm shutdown)."""
    processes.stop_group(layout.pid_file("worker2"), grace=60)


def report(
    args: argparse.Namespace, size: int, cli_seconds: float, runs: list[StackRun]
) -> str:
    """The markdown report."""
    slots = 2 * WORKER_SLOTS
    one, two = runs
    overhead = (two.wall - cli_seconds) * slots / args.episodes
    lines = [
        f"## Stack benchmark ({time.strftime('%Y-%m-%d')}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs)",
        "",
        f"{args.episodes} episodes of {size / 1e6:.2f} MB per run, local feed server "
        f"with {args.latency * 1000:.0f} ms latency per request and "
        f"{args.mbps:g} MB/s per connection; downloads only. Airflow 3.3 "
        f"CeleryExecutor, {WORKER_SLOTS} slots per worker, pool podcast_http "
        f"{slots} slots; the CLI with --workers {slots}.",
        "",
        "| run | download phase | whole run | downloads | mean task duration | state |",
        "|---|---:|---:|---:|---:|---|",
        f"| CLI in-process `run` | {cli_seconds:.1f} s | {cli_seconds:.1f} s | "
        f"{args.episodes} | n/a | ok |",
    ]
    lines += [
        f"| stack, {run.workers} worker{'s' if run.workers > 1 else ''} | "
        f"{run.wall:.1f} s | {run.run_wall:.1f} s | {run.downloads} | "
        f"{run.mean_task_seconds:.2f} s | "
        f"{run.state} |"
        for run in runs
    ]
    lines += [
        "",
        f"Two workers versus one: {one.wall / two.wall:.2f}x faster. "
        f"Stack (two workers) versus the CLI: {two.wall / cli_seconds:.1f}x the "
        f"wall time; per-task overhead ≈ {overhead:.2f} s per episode-slot.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Bring up a stack, run the three runs, write the report, take it down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds/request")
    parser.add_argument("--mbps", type=float, default=2.0, help="MB/s per connection")
    args = parser.parse_args()
    body = audio_file().read_bytes()
    layout = StackLayout(
        root=PROJECT / ".stack" / f"bench-{uuid.uuid4().hex[:8]}", project=PROJECT
    )
    servers = [feed_server(name, body, args) for name in ("cli", "one", "two")]
    try:
        cli_seconds = cli_run(servers[0], args.episodes, 2 * WORKER_SLOTS)
        print(f"CLI: {cli_seconds:.1f} s", flush=True)
        lifecycle.up(layout, os.environ, timeout=900)
        set_http_slots(layout, 2 * WORKER_SLOTS)
        with_one_worker(layout)
        runs = [stack_run(layout, servers[1], args.episodes, workers=1)]
        print(f"one worker: {runs[0]}", flush=True)
        lifecycle.up(layout, os.environ, timeout=900)  # worker2 back
        set_http_slots(layout, 2 * WORKER_SLOTS)
        runs.append(stack_run(layout, servers[2], args.episodes, workers=2))
        print(f"two workers: {runs[1]}", flush=True)
    finally:
        for server in servers:
            server.stop()
        lifecycle.down(layout)
        shutil.rmtree(layout.root, ignore_errors=True)
    text = report(args, len(body), cli_seconds, runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    RESULTS.with_suffix(".json").write_text(
        json.dumps(
            {
                "date": datetime.now().isoformat(timespec="seconds"),
                "cli_seconds": cli_seconds,
                "runs": [run.__dict__ for run in runs],
            },
            allow_nan=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(text)
    return 0 if all(run.state == "success" for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
