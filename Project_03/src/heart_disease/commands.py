"""One function per CLI command: call the library, return the text to print.

scikit-learn, skops and matplotlib are imported only by the commands that use
them, so ``validate`` and ``download`` start in a fraction of the time.
"""

import argparse
from collections.abc import Mapping
from pathlib import Path

from heart_disease.dataset import inspect_dataset
from heart_disease.datasource import default_cache_dir, resolve_training_data
from heart_disease.download import base_url_from, download_uci
from heart_disease.readers import write_table
from heart_disease.report import format_metrics, format_train_summary, format_validation
from heart_disease.validation import SplitPlan


def validate(data: Path) -> tuple[str, bool]:
    """Validate a file; return the report text and whether it is trainable."""
    dataset = inspect_dataset(data, require_target=True, split=SplitPlan())
    return format_validation(dataset), dataset.report.usable


def train(args: argparse.Namespace, environ: Mapping[str, str], command: str) -> str:
    """Train from parsed ``train`` arguments; return the summary table."""
    # pylint: disable-next=import-outside-toplevel
    from heart_disease import training  # noqa: PLC0415

    data = resolve_training_data(args.data, environ, default_cache_dir(environ))
    config = training.TrainConfig(
        data_path=data,
        output_dir=args.output_dir,
        test_size=args.test_size,
        seed=args.seed,
        model=args.model,
        tune=args.tune,
        cv_folds=args.cv_folds,
        n_jobs=args.jobs,
        command_line=command,
    )
    return format_train_summary(training.train(config))


def evaluate(model_dir: Path, data: Path) -> str:
    """Evaluate a saved model on labelled data; return the metrics table."""
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import evaluate_model  # noqa: PLC0415

    return format_metrics(evaluate_model(model_dir, data))


def predict(model_dir: Path, data: Path, output: Path | None) -> str:
    """Predict rows; write them to ``output`` or return them as CSV text."""
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import predict as predict_rows  # noqa: PLC0415

    predictions = predict_rows(model_dir, data)
    if output is None:
        return str(predictions.to_csv(index=False))
    write_table(predictions, output)
    return f"wrote {len(predictions)} predictions to {output}\n"


def download(
    dest: Path | None,
    base_url: str | None,
    environ: Mapping[str, str],
    *,
    force: bool = False,
) -> str:
    """Download (or reuse) the UCI data; return a one-line summary."""
    result = download_uci(
        dest or default_cache_dir(environ),
        base_url or base_url_from(environ),
        force=force,
    )
    state = "reused cached" if result.reused else "downloaded"
    return (
        f"{state} {result.path}: {result.rows} rows, {result.positives} with heart "
        f"disease; train on it with `heart-disease train --data {result.path}`"
    )
