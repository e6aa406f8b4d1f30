"""What MLflow costs: train, loading the champion, predict and retrain.

Train with and without the registry, load the champion, predict on 10,000
rows, and retrain end to end on the embedded store.

Every figure is measured beside its baseline in the same run (the machine is
shared and noisy): compare the ratios, not the seconds. Writes
benchmarks/results/lifecycle.md (git-ignored). Usage:

    HEART_DATA=../../shared/data/heart/heart.csv python benchmarks/lifecycle.py
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from heart_disease.dataset import training_rows
from heart_disease.inference import load_local, predict
from heart_disease.registration import load_champion, register_training
from heart_disease.tracking import Registry
from heart_disease.training import TrainConfig, fit, train, write_report

RESULTS = Path(__file__).resolve().parent / "results"
CLI = str(Path(sys.executable).parent / "heart-disease")


def seconds(action: Callable[[], object], repeats: int) -> list[float]:
    """Wall time of each of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def median(times: list[float]) -> float:
    """The median, as a float."""
    return float(statistics.median(times))


def run_cli(arguments: list[str], environ: dict[str, str]) -> float:
    """Wall time of one ``heart-disease`` process (imports included)."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603  (our own console script)
        [CLI, *arguments], check=True, env=environ, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def measure_train(config: TrainConfig, registry: Registry, repeats: int) -> list[str]:
    """``train`` writing only a local folder (the seed's train) vs registered."""
    print("train without and with the registry ...", flush=True)
    local: list[float] = []
    tracked: list[float] = []
    for _ in range(repeats):  # interleaved: both see the same load
        local += seconds(lambda: train(config), 1)
        tracked += seconds(lambda: train(config, registry), 1)
    fitted = fit(
        training_rows(pd.read_csv(config.data_path)),
        config,
        data_sha256="-",
        rows_read=0,
    )
    report_dir = config.output_dir.parent / "report" if config.output_dir else Path()
    write_report(fitted, report_dir)
    logging_only = seconds(
        lambda: register_training(registry, fitted, report_dir), repeats + 1
    )
    return [
        f"| `train` (in-process) | {median(local):.1f} s local folder only | "
        f"{median(tracked):.1f} s logged + registered | "
        f"{median(tracked) / median(local):.2f}x |",
        f"| MLflow's part alone: log the run, the report and the skops model, "
        f"register ({repeats + 1} runs) | - | {median(logging_only):.2f} s | "
        f"{median(logging_only) / median(local):.1%} of `train` |",
    ]


def measure_loading(root: Path, registry: Registry) -> str:
    """Loading the model from a local folder vs the registry's champion."""
    print("loading the champion ...", flush=True)
    champion = registry.champion()
    if champion is None:
        raise SystemExit("no champion after training")
    folder = seconds(lambda: load_local(root / "local"), 5)
    from_registry = [
        seconds(partial(load_champion, registry, champion, root / f"load-{i}"), 1)[0]
        for i in range(5)
    ]
    return (
        f"| load the model (5 runs) | {median(folder):.2f} s from a local folder | "
        f"{median(from_registry):.2f} s `models:/heart-disease@champion` | "
        f"{median(from_registry) / median(folder):.2f}x |"
    )


def measure_predict(
    root: Path, data: Path, environ: dict[str, str], repeats: int
) -> list[str]:
    """``predict`` on 10,000 rows: in-process, and as a CLI process two ways."""
    print("predict on 10,000 rows ...", flush=True)
    rows = pd.read_csv(data).drop(columns="HeartDisease")
    many = root / "rows_10000.csv"
    rows.sample(10_000, replace=True, random_state=0).to_csv(many, index=False)
    model = load_local(root / "local")
    in_process = seconds(lambda: predict(model, many), 3)
    output = ["--data", str(many), "--output", str(root / "predictions.csv")]
    by_folder = [
        run_cli(["predict", "--model", str(root / "local"), *output], environ)
        for _ in range(repeats)
    ]
    by_champion = [run_cli(["predict", *output], environ) for _ in range(repeats)]
    return [
        f"| `predict` 10,000 rows, CLI process | {median(by_folder):.1f} s "
        f"`--model FOLDER` | {median(by_champion):.1f} s champion | "
        f"{median(by_champion) / median(by_folder):.2f}x |",
        f"| `predict` 10,000 rows, in-process (3 runs) | {median(in_process):.2f} s "
        "| - | - |",
    ]


def measure_retrain(
    root: Path, data: Path, environ: dict[str, str], repeats: int
) -> str:
    """``retrain`` end to end beside ``train``, both as CLI processes."""
    print("retrain end to end ...", flush=True)
    boot = root / "bootstrap.csv"
    frame = pd.read_csv(data)
    frame.sample(len(frame), replace=True, random_state=1).to_csv(boot, index=False)
    retrain = [
        run_cli(["retrain", "--data", str(boot)], environ) for _ in range(repeats)
    ]
    train_cli = [
        run_cli(["train", "--data", str(data)], environ) for _ in range(repeats)
    ]
    return (
        f"| `retrain` end to end, CLI process | {median(train_cli):.1f} s `train` | "
        f"{median(retrain):.1f} s `retrain` (drift, challenger, gate) | "
        f"{median(retrain) / median(train_cli):.2f}x |"
    )


def main() -> None:
    """Measure and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=os.environ.get("HEART_DATA"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS / "lifecycle.md")
    args = parser.parse_args()
    if args.data is None:
        parser.error("set HEART_DATA or pass --data (../shared/data/heart/heart.csv)")
    data = args.data.resolve()
    lines = [
        f"Embedded store (SQLite + artifact folder), `{data.name}`, default ensemble, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; medians of "
        f"{args.repeats} runs unless noted.",
        "",
        "| what | baseline | with MLflow | ratio |",
        "|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        registry = Registry(f"sqlite:///{root / 'store' / 'mlflow.db'}")
        config = TrainConfig(data_path=data, output_dir=root / "local")
        environ = dict(os.environ, MLFLOW_TRACKING_URI=registry.uri)
        lines += measure_train(config, registry, args.repeats)
        lines.append(measure_loading(root, registry))
        lines += measure_predict(root, data, environ, args.repeats)
        lines.append(measure_retrain(root, data, environ, args.repeats))
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
