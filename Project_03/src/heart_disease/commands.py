"""One function per CLI command: call the library, return the text to print.

scikit-learn, skops, matplotlib and MLflow are imported only by the commands
that use them, so ``validate`` and ``download`` start in a fraction of the time.
"""

import argparse
from collections.abc import Mapping
from pathlib import Path

from heart_disease.dataset import inspect_dataset
from heart_disease.datasource import (
    default_cache_dir,
    resolve_data,
    resolve_training_data,
)
from heart_disease.download import base_url_from, download_uci
from heart_disease.readers import check_writable, table_json, write_table
from heart_disease.report import (
    format_metrics,
    format_train_summary,
    format_validation,
    render_json,
    train_summary_payload,
    validation_payload,
)
from heart_disease.validation import SplitPlan


def validate(
    data: Path | None, environ: Mapping[str, str], output_format: str
) -> tuple[str, Path | None]:
    """Validate a file; return the report and, when it is not trainable, its path."""
    dataset = inspect_dataset(
        resolve_data(data, environ), require_target=True, split=SplitPlan()
    )
    text = (
        render_json(validation_payload(dataset))
        if output_format == "json"
        else format_validation(dataset)
    )
    return text, None if dataset.report.usable else dataset.path


def train(args: argparse.Namespace, environ: Mapping[str, str], command: str) -> str:
    """Train from parsed ``train`` arguments; return the summary."""
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
    result = training.train(config)
    if args.format == "json":
        return render_json(train_summary_payload(result))
    return format_train_summary(result)


def evaluate(
    model_dir: Path, data: Path | None, environ: Mapping[str, str], output_format: str
) -> str:
    """Evaluate a saved model on labelled data; return the metrics."""
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import evaluate_model  # noqa: PLC0415

    metrics = evaluate_model(model_dir, resolve_data(data, environ))
    if output_format == "json":
        return render_json(metrics.to_dict())
    return format_metrics(metrics)


def predict(
    model_dir: Path, data: Path, output: Path | None, output_format: str
) -> str:
    """Predict rows; write them to ``output`` or return them as CSV or JSON text."""
    if output is not None:
        check_writable(output)  # before loading anything
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import predict as predict_rows  # noqa: PLC0415

    predictions = predict_rows(model_dir, data)
    if output is None:
        if output_format == "json":
            return table_json(predictions) + "\n"
        return str(predictions.to_csv(index=False))
    write_table(predictions, output)
    if output_format == "json":
        return render_json({"output": str(output), "rows": len(predictions)}) + "\n"
    return f"wrote {len(predictions)} predictions to {output}\n"


def download(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """Download (or reuse) the UCI data; return a one-line summary."""
    result = download_uci(
        args.dest or default_cache_dir(environ),
        args.base_url or base_url_from(environ),
        force=args.force,
    )
    if args.format == "json":
        return render_json(
            {
                "path": str(result.path),
                "rows": result.rows,
                "positives": result.positives,
                "reused": result.reused,
            }
        )
    state = "reused cached" if result.reused else "downloaded"
    return (
        f"{state} {result.path}: {result.rows} rows, {result.positives} with heart "
        f"disease; train on it with `heart-disease train --data {result.path}`"
    )
