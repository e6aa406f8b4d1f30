"""Run every Project_02 benchmark in turn (``make bench``).

Each benchmark runs in its own interpreter (the transcription one starts worker
processes) and writes its report under benchmarks/results/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_downloads.py", "bench_transcription.py", "bench_stack.py")


def main() -> int:
    """Run the benchmarks; return the first non-zero exit code, else 0."""
    for name in BENCHMARKS:
        print(f"==> {name}", flush=True)
        completed = subprocess.run(  # noqa: S603  (our own scripts)
            [sys.executable, str(HERE / name)], check=False
        )
        if completed.returncode != 0:
            print(f"*** {name} failed with exit code {completed.returncode}")
            return completed.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
