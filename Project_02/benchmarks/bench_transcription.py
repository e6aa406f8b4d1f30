"""Benchmark offline transcription: CPU per audio second, memory, both cores.

Usage (from Project_02):
``../scripts/poetry run python benchmarks/bench_transcription.py [--audio PATH]``.
The clip defaults to $PODCAST_TEST_AUDIO, else the 49.5 s LJ Speech clip in
shared/data beside the repository. Prints a markdown report and writes it to
benchmarks/results/transcription.md.
"""

import argparse
import functools
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile as sf

from podcast_pipeline.transcription import Transcript, transcribe_many
from podcast_pipeline.transcription.audio import TARGET_SAMPLE_RATE, iter_pcm16
from podcast_pipeline.transcription.batch import available_cpus
from podcast_pipeline.transcription.chunking import split_at_quiet_points
from podcast_pipeline.transcription.engines import create_engine
from podcast_pipeline.transcription.transcriber import transcribe_with_engine

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results" / "transcription.md"
# The shared data lives beside the repository (see ../README.md).
DEFAULT_CLIP = (
    Path(__file__).resolve().parents[3]
    / "shared/data/audio/lj-speech-fireside-chat.mp3"
)


@dataclass(frozen=True)
class Cost:
    """What one measured call cost."""

    wall_seconds: float
    cpu_seconds: float


def _cpu_seconds() -> float:
    """CPU time of this process plus its finished children (pool workers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(
            resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
    )


def _measure(work: Callable[[], T]) -> tuple[T, Cost]:
    cpu, wall = _cpu_seconds(), time.perf_counter()
    result = work()
    return result, Cost(time.perf_counter() - wall, _cpu_seconds() - cpu)


def _best_of(repeats: int, work: Callable[[], T]) -> tuple[T, Cost]:
    """The cheapest of several runs: the least disturbed by other processes."""
    runs = [_measure(work) for _ in range(max(1, repeats))]
    return min(runs, key=lambda run: run[1].wall_seconds)


def _python_peak_mib(work: Callable[[], T]) -> tuple[T, float]:
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _write_long_mp3(clip: Path, minutes: float, folder: Path) -> Path:
    """Loop the clip into an MP3 of the given length, written block by block."""
    speech, rate = sf.read(clip, dtype="float32")
    target = folder / f"long-{minutes:g}min.mp3"
    remaining = round(minutes * 60 * rate)
    with sf.SoundFile(target, "w", rate, 1, format="MP3") as out:
        while remaining > 0:
            out.write(speech[:remaining])
            remaining -= len(speech)
    return target


def _chunk_only(path: Path) -> tuple[float, int]:
    chunks = _chunk_lengths(
        split_at_quiet_points(iter_pcm16(path), sample_rate=TARGET_SAMPLE_RATE)
    )
    return sum(chunks) / TARGET_SAMPLE_RATE, len(chunks)


def _chunk_lengths(chunks: Iterator[np.ndarray]) -> list[int]:
    """Consume chunks one by one, keeping only their lengths."""
    return [chunk.size for chunk in chunks]


def _single_file_rows(clip: Path, repeats: int) -> tuple[Transcript, list[str]]:
    """Time warm transcriptions (best of repeats), then measure memory in one more."""
    engine, load = _measure(lambda: create_engine("pocketsphinx"))
    transcript, cost = _best_of(repeats, lambda: transcribe_with_engine(clip, engine))
    _, python_peak = _python_peak_mib(lambda: transcribe_with_engine(clip, engine))
    audio = transcript.audio_seconds
    return transcript, [
        f"| audio | {audio:.1f} s, {transcript.chunks} chunk(s) |",
        f"| engine load | {load.wall_seconds:.2f} s wall, "
        f"{load.cpu_seconds:.2f} s CPU |",
        f"| recognition | {cost.wall_seconds:.2f} s wall, "
        f"{cost.cpu_seconds:.2f} s CPU |",
        f"| **CPU s per audio s** | **{cost.cpu_seconds / audio:.3f}** |",
        f"| real-time factor (wall) | {cost.wall_seconds / audio:.3f} |",
        f"| peak Python heap (tracemalloc) | {python_peak:.1f} MiB |",
        f"| **peak RSS of the process** | **{_peak_rss_mib():.0f} MiB** |",
    ]


def _long_file_rows(
    clip: Path, minutes: float, folder: Path, *, recognise: bool
) -> list[str]:
    """Decode and chunk a long MP3 to show memory stays flat; maybe recognise it."""
    long_mp3 = _write_long_mp3(clip, minutes, folder)
    size = f"{long_mp3.stat().st_size / 2**20:.0f} MiB"
    (seconds, chunks), peak = _python_peak_mib(lambda: _chunk_only(long_mp3))
    rows = [
        f"| decode + chunk a {seconds / 60:.0f} min MP3 ({size}), no recognition | "
        f"{chunks} chunks, peak Python heap {peak:.1f} MiB |"
    ]
    if recognise:
        engine = create_engine("pocketsphinx")
        transcript, cost = _measure(lambda: transcribe_with_engine(long_mp3, engine))
        rows.append(
            f"| recognise the {seconds / 60:.0f} min MP3 | "
            f"{cost.cpu_seconds / transcript.audio_seconds:.3f} CPU s per audio s, "
            f"peak RSS now {_peak_rss_mib():.0f} MiB |"
        )
    return rows


def run(options: argparse.Namespace) -> str:
    """Run every measurement and return the markdown report."""
    clip: Path = options.audio
    load_average = os.getloadavg()[0]
    transcript, rows = _single_file_rows(clip, options.repeat)
    with tempfile.TemporaryDirectory(prefix="bench-transcription-") as folder:
        if options.long_minutes > 0:
            rows += _long_file_rows(
                clip,
                options.long_minutes,
                Path(folder),
                recognise=options.recognise_long,
            )
        if options.copies > 0:
            rows += _pool_rows(clip, options.copies, Path(folder), options.repeat)
    lines = [
        "# Transcription benchmark (PocketSphinx 5, bundled en-us model)",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{available_cpus()} CPU(s), load average {load_average:.1f} at start, "
        f"clip `{clip.name}`.",
        "",
        "| measure | value |",
        "|---|---|",
        *rows,
        "",
        "Transcript (first 60 words):",
        "",
        "> " + " ".join(transcript.text.split()[:60]),
    ]
    return "\n".join(lines) + "\n"


def _audio_seconds(paths: list[Path], workers: int) -> float:
    """Transcribe paths with transcribe_many; return the audio seconds done."""
    results = transcribe_many(paths, workers=workers)
    return sum(r.audio_seconds for _, r in results if isinstance(r, Transcript))


def _pool_rows(clip: Path, copies: int, folder: Path, repeats: int) -> list[str]:
    paths = []
    for index in range(copies):
        link = folder / f"copy-{index}{clip.suffix}"
        link.symlink_to(clip.resolve())
        paths.append(link)
    costs: dict[int, list[Cost]] = {1: [], available_cpus(): []}
    audio = 0.0
    for _ in range(max(1, repeats)):  # alternated, so both see the same load
        for workers, runs in costs.items():
            audio, cost = _measure(functools.partial(_audio_seconds, paths, workers))
            runs.append(cost)
    rows = []
    for workers, runs in costs.items():
        best = min(runs, key=lambda cost: cost.wall_seconds)
        rows.append(
            f"| transcribe_many, {copies} files, {workers} worker(s), "
            f"best of {len(runs)} | {best.wall_seconds:.1f} s wall, "
            f"{audio / best.wall_seconds:.1f} audio s per wall s, "
            f"{best.cpu_seconds / best.wall_seconds:.2f} CPUs busy |"
        )
    return rows


def main() -> int:
    """Parse arguments, run the benchmark, print and save the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--audio",
        type=Path,
        default=os.environ.get("PODCAST_TEST_AUDIO", DEFAULT_CLIP),
        help=f"speech clip (default: $PODCAST_TEST_AUDIO, else {DEFAULT_CLIP})",
    )
    parser.add_argument("--copies", type=int, default=4, help="files for the pool")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs per timing (the best is kept)"
    )
    parser.add_argument(
        "--long-minutes", type=float, default=30.0, help="long MP3 for memory (0: off)"
    )
    parser.add_argument(
        "--recognise-long",
        action="store_true",
        help="also recognise the long MP3 (about 0.1 s CPU per audio second)",
    )
    args = parser.parse_args()
    if not Path(args.audio).is_file():
        print(
            "bench_transcription: set PODCAST_TEST_AUDIO or --audio to the speech "
            f"clip (got {args.audio})",
            file=sys.stderr,
        )
        return 2
    args.audio = Path(args.audio)
    report = run(args)
    print(report, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(f"\nwritten to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
