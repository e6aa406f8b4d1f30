"""Command line: parse, configure logging, call one function, print, map errors."""

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from heart_disease.errors import HeartDiseaseError

logger = logging.getLogger("heart_disease")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MODELS = ("auto", "logistic", "knn", "random-forest", "gradient-boosting", "ensemble")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _folds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 2:  # noqa: PLR2004  (cross-validation needs two folds)
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the ``heart-disease`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="heart-disease",
        description="Validate heart-disease data, train, evaluate and use a model.",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="logging level (default INFO; DEBUG shows tracebacks)",
    )
    parser.add_argument(
        "--log-file", type=Path, help="write the log to this file, not the console"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a data file")
    validate.add_argument("--data", type=Path, required=True, help="CSV/Parquet/Excel")

    train = commands.add_parser("train", help="train, evaluate and save a model")
    train.add_argument(
        "--data", type=Path, help="data file (default: $HEART_DATA or the download)"
    )
    train.add_argument(
        "--test-size", type=_fraction, default=0.2, help="held-out fraction (0.2)"
    )
    train.add_argument("--seed", type=int, default=42, help="split/model seed (42)")
    train.add_argument(
        "--model",
        choices=_MODELS,
        default="ensemble",
        help="classifier (default ensemble; auto keeps the best by CV)",
    )
    train.add_argument("--tune", action="store_true", help="grid-search by CV")
    train.add_argument("--cv-folds", type=_folds, default=5, help="CV folds (5)")
    train.add_argument("--jobs", type=_positive, default=2, help="parallel CV jobs (2)")
    train.add_argument(
        "--output-dir",
        type=Path,
        default=Path("artifacts/model"),
        help="where to write the model and reports (artifacts/model)",
    )

    evaluate = commands.add_parser("evaluate", help="metrics of a saved model")
    evaluate.add_argument("--model", type=Path, required=True, help="model directory")
    evaluate.add_argument("--data", type=Path, required=True, help="labelled data")

    predict = commands.add_parser("predict", help="predict rows with a saved model")
    predict.add_argument("--model", type=Path, required=True, help="model directory")
    predict.add_argument("--data", type=Path, required=True, help="rows to predict")
    predict.add_argument(
        "--output", type=Path, help="CSV/.parquet/.xlsx file (default: stdout, CSV)"
    )

    download = commands.add_parser("download", help="fetch the UCI heart data")
    download.add_argument("--dest", type=Path, help="cache directory")
    download.add_argument(
        "--base-url", help="folder URL of the processed.*.data files (a mirror)"
    )
    download.add_argument("--force", action="store_true", help="download again")
    return parser


def _configure_logging(level: str, log_file: Path | None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # Imported here so that --help answers without loading pandas and sklearn.
    from heart_disease import (  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
        commands,
    )

    if args.command == "validate":
        text, usable = commands.validate(args.data)
        print(text)
        if not usable:
            print(f"error: {args.data} is not trainable", file=sys.stderr)
            return 2
        return 0
    if args.command == "train":
        print(commands.train(args, os.environ, shlex.join(["heart-disease", *argv])))
        return 0
    if args.command == "evaluate":
        print(commands.evaluate(args.model, args.data))
        return 0
    if args.command == "predict":
        text = commands.predict(args.model, args.data, args.output)
        if text:
            print(text, end="")
        return 0
    print(commands.download(args.dest, args.base_url, os.environ, force=args.force))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``heart-disease`` command line; return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    _configure_logging(args.log_level, args.log_file)
    try:
        return _run(args, arguments)
    except HeartDiseaseError as error:
        if args.log_level == "DEBUG":
            logger.exception("failed")
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
