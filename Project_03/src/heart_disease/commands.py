"""One function per CLI command: call the library, return the text to print.

scikit-learn, skops, matplotlib and MLflow are imported only by the commands
that use them, so ``validate`` and ``download`` start in a fraction of the time.
"""

import argparse
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from heart_disease.dataset import inspect_dataset, load_dataset
from heart_disease.datasource import (
    default_cache_dir,
    resolve_data,
    resolve_training_data,
)
from heart_disease.download import base_url_from, download_uci
from heart_disease.errors import ModelLoadError, NoChampionError
from heart_disease.gate import Tolerances
from heart_disease.readers import check_writable, table_json, write_table
from heart_disease.report import (
    evaluation_payload,
    format_drift,
    format_evaluation,
    format_models,
    format_retrain,
    format_train_summary,
    format_validation,
    models_payload,
    render_json,
    train_summary_payload,
    validation_payload,
)
from heart_disease.validation import SplitPlan


@dataclass(frozen=True)
class Invocation:
    """One command as typed: parsed arguments, environment, the command line."""

    args: argparse.Namespace
    environ: Mapping[str, str]
    command_line: str


@dataclass(frozen=True)
class Output:
    """What a command prints, and the one-line error it ends with, if any."""

    text: str
    refusal: str | None = None


if TYPE_CHECKING:
    from heart_disease.inference import ScoringModel
    from heart_disease.tracking import Registry


def validate(call: Invocation) -> Output:
    """Validate a file; the report, and a refusal when it is not trainable."""
    dataset = inspect_dataset(
        resolve_data(call.args.data, call.environ),
        require_target=True,
        split=SplitPlan(),
    )
    text = (
        render_json(validation_payload(dataset))
        if call.args.format == "json"
        else format_validation(dataset)
    )
    refusal = None if dataset.report.usable else f"{dataset.path} is not trainable"
    return Output(text, refusal)


def train(call: Invocation) -> Output:
    """Train from parsed ``train`` arguments, log and register; return the summary."""
    args, environ = call.args, call.environ
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
        command_line=call.command_line,
    )
    outcome = training.train(config, _registry(args, environ))
    if args.format == "json":
        return Output(render_json(train_summary_payload(outcome)))
    return Output(format_train_summary(outcome))


def evaluate(call: Invocation) -> Output:
    """Evaluate the champion (or ``--model``) on labelled data; return the report."""
    args, environ = call.args, call.environ
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import evaluate_model  # noqa: PLC0415

    data = resolve_data(args.data, environ)
    with tempfile.TemporaryDirectory(prefix="heart-disease-") as scratch:
        model = _scoring_model(args, environ, Path(scratch))
        evaluation = evaluate_model(model, data)
    if args.format == "json":
        return Output(render_json(evaluation_payload(evaluation)))
    return Output(format_evaluation(evaluation))


def predict(call: Invocation) -> Output:
    """Predict rows; write them to ``--output`` or return them as CSV or JSON."""
    args, environ = call.args, call.environ
    output: Path | None = args.output
    if output is not None:
        check_writable(output)  # before loading anything
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.inference import predict as predict_rows  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="heart-disease-") as scratch:
        model = _scoring_model(args, environ, Path(scratch))
        predictions = predict_rows(model, args.data)
    if output is None:
        if args.format == "json":
            return Output(table_json(predictions) + "\n")
        return Output(str(predictions.to_csv(index=False)))
    write_table(predictions, output)
    if args.format == "json":
        return Output(
            render_json({"output": str(output), "rows": len(predictions)}) + "\n"
        )
    return Output(f"wrote {len(predictions)} predictions to {output}\n")


def models(call: Invocation) -> Output:
    """List the registered versions with their aliases and key metrics."""
    args, environ = call.args, call.environ
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.tracking import MODEL_NAME  # noqa: PLC0415

    versions = _registry(args, environ).versions()
    if args.format == "json":
        return Output(render_json(models_payload(versions, MODEL_NAME)))
    return Output(format_models(versions, MODEL_NAME))


def drift(call: Invocation) -> Output:
    """Report the drift of new rows against the champion's (or a model's) profile."""
    args, environ = call.args, call.environ
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.drift import drift_report  # noqa: PLC0415

    data = resolve_data(args.data, environ)
    with tempfile.TemporaryDirectory(prefix="heart-disease-") as scratch:
        model = _scoring_model(args, environ, Path(scratch))
    if model.profile is None:
        raise ModelLoadError(
            f"{model.source} has no training profile (profile.json); "
            "retrain it with this version to get one"
        )
    rows = load_dataset(data, require_target=False)
    report = drift_report(model.profile, rows.frame)
    if args.format == "json":
        return Output(render_json(report.to_dict()))
    return Output(format_drift(report))


def retrain(call: Invocation) -> Output:
    """Run the gated retraining; the summary, and a refusal when data was refused."""
    args, environ = call.args, call.environ
    # pylint: disable-next=import-outside-toplevel
    from heart_disease import retraining  # noqa: PLC0415

    config = retraining.RetrainConfig(
        data_path=resolve_data(args.data, environ),
        accept_drift=args.accept_drift,
        tolerances=Tolerances(args.auc_tolerance, args.brier_tolerance),
        n_jobs=args.jobs,
        command_line=call.command_line,
    )
    outcome = retraining.retrain(config, _registry(args, environ))
    refusal = f"refused: {outcome.reason}" if outcome.decision == "refused" else None
    if args.format == "json":
        return Output(render_json(outcome.summary()), refusal)
    return Output(format_retrain(outcome), refusal)


def _registry(args: argparse.Namespace, environ: Mapping[str, str]) -> "Registry":
    # pylint: disable-next=import-outside-toplevel
    from heart_disease.tracking import Registry, resolve_tracking_uri  # noqa: PLC0415

    return Registry(resolve_tracking_uri(args.tracking_uri, environ))


def _scoring_model(
    args: argparse.Namespace, environ: Mapping[str, str], scratch: Path
) -> "ScoringModel":
    """The ``--model`` folder, else the registry's champion."""
    # pylint: disable=import-outside-toplevel
    from heart_disease.inference import load_local  # noqa: PLC0415

    if args.model is not None:
        return load_local(args.model)
    from heart_disease.registration import load_champion  # noqa: PLC0415

    registry = _registry(args, environ)
    champion = registry.champion()
    if champion is None:
        raise NoChampionError(
            f"no champion in {registry.uri}: run `heart-disease train` first, "
            "or pass --model FOLDER"
        )
    model, _ = load_champion(registry, champion, scratch)
    return model


def download(call: Invocation) -> Output:
    """Download (or reuse) the UCI data; return a one-line summary."""
    args, environ = call.args, call.environ
    result = download_uci(
        args.dest or default_cache_dir(environ),
        args.base_url or base_url_from(environ),
        force=args.force,
    )
    if args.format == "json":
        return Output(
            render_json(
                {
                    "path": str(result.path),
                    "rows": result.rows,
                    "positives": result.positives,
                    "reused": result.reused,
                }
            )
        )
    state = "reused cached" if result.reused else "downloaded"
    return Output(
        f"{state} {result.path}: {result.rows} rows, {result.positives} with heart "
        f"disease; train on it with `heart-disease train --data {result.path}`"
    )
