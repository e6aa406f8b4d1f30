"""Command line: parse, configure logging, call one function, print, map errors."""

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from heart_disease.errors import HeartDiseaseError, InputError
from heart_disease.gate import Tolerances

PROG = "heart-disease"
logger = logging.getLogger("heart_disease")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_MODELS = ("auto", "logistic", "knn", "random-forest", "gradient-boosting", "ensemble")
_TABLE_OR_JSON = ("table", "json")


class _UsageError(Exception):
    """An argparse error, raised instead of exiting so main() prints one line."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        """Raise the message for main() to print as ``heart-disease: error: ...``."""
        raise _UsageError(message)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text}")
        return value

    return parse


def _logging_options(*, defaults: bool) -> _Parser:
    """The global options, accepted before and after the subcommand.

    The subcommands' copy has no defaults (SUPPRESS), so a value given before
    the subcommand is not overwritten by the subparser.
    """
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--log-level",
        default="WARNING" if defaults else argparse.SUPPRESS,
        type=str.upper,
        choices=_LOG_LEVELS,
        help="logging level (default WARNING; DEBUG also shows tracebacks)",
    )
    parent.add_argument(
        "--log-file",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help="write the log to this file instead of stderr",
    )
    return parent


def _add_format(parser: argparse.ArgumentParser, human: str = "table") -> None:
    parser.add_argument(
        "--format",
        choices=(human, "json"),
        default=human,
        help=f"output format (default {human}; json is one strict JSON document)",
    )


def _add_data(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--data", type=Path, help=help_text)


def _registry_options() -> _Parser:
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--tracking-uri",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else the embedded "
        "store in .data/mlflow/)",
    )
    return parent


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        help="a model folder from train --output-dir (default: the registry's "
        "champion)",
    )


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the ``heart-disease`` argument parser."""
    parser = _Parser(
        prog=PROG,
        description="Validate heart-disease data, train, evaluate and use a model.",
        parents=[_logging_options(defaults=True)],
    )
    common = [_logging_options(defaults=False)]
    tracked = [*common, _registry_options()]
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", parents=common, help="check a data file")
    _add_data(validate, "CSV/Parquet/Excel file (default: $HEART_DATA)")
    _add_format(validate)

    train = commands.add_parser(
        "train", parents=tracked, help="train, evaluate and register a model"
    )
    _add_data(train, "data file (default: $HEART_DATA, else the download cache)")
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
    train.add_argument("--cv-folds", type=_at_least(2), default=5, help="CV folds (5)")
    train.add_argument(
        "--jobs", type=_at_least(1), default=2, help="parallel CV jobs (2)"
    )
    train.add_argument(
        "--output-dir",
        type=Path,
        help="also write the model and its report to this folder",
    )
    _add_format(train)

    evaluate = commands.add_parser(
        "evaluate",
        parents=tracked,
        help="metrics and drift of a model on labelled data",
    )
    _add_model(evaluate)
    _add_data(evaluate, "labelled data (default: $HEART_DATA)")
    _add_format(evaluate)

    predict = commands.add_parser(
        "predict", parents=tracked, help="predict rows with the champion or a model"
    )
    _add_model(predict)
    predict.add_argument("--data", type=Path, required=True, help="rows to predict")
    predict.add_argument(
        "--output",
        type=Path,
        help="write .csv, .json, .parquet or .xlsx (default: print to stdout)",
    )
    _add_format(predict)

    models = commands.add_parser(
        "models", parents=tracked, help="registered versions, aliases, key metrics"
    )
    _add_format(models)

    drift = commands.add_parser(
        "drift", parents=tracked, help="drift of new data against the champion"
    )
    _add_data(drift, "new rows (default: $HEART_DATA)")
    _add_model(drift)
    _add_format(drift)

    retrain = commands.add_parser(
        "retrain",
        parents=tracked,
        help="the daily job: challenger vs champion, gated promotion",
    )
    _add_data(retrain, "the new training data (default: $HEART_DATA)")
    retrain.add_argument(
        "--accept-drift",
        action="store_true",
        help="train even when the data drifted (validation still applies)",
    )
    retrain.add_argument(
        "--auc-tolerance",
        type=_tolerance,
        default=Tolerances().roc_auc,
        help=f"ROC AUC the challenger may lose (default {Tolerances().roc_auc:g})",
    )
    retrain.add_argument(
        "--brier-tolerance",
        type=_tolerance,
        default=Tolerances().brier,
        help=f"Brier score it may gain (default {Tolerances().brier:g})",
    )
    retrain.add_argument(
        "--jobs", type=_at_least(1), default=2, help="parallel CV jobs (2)"
    )
    _add_format(retrain)

    download = commands.add_parser(
        "download", parents=common, help="fetch the UCI heart data"
    )
    download.add_argument("--dest", type=Path, help="cache directory")
    download.add_argument(
        "--base-url", help="folder URL of the processed.*.data files (a mirror)"
    )
    download.add_argument("--force", action="store_true", help="download again")
    _add_format(download, human="text")
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


def _check_log_file(log_file: Path | None) -> None:
    if log_file is None:
        return
    if log_file.is_dir():
        raise InputError(f"--log-file {log_file} is a folder; pass a file name")
    if not log_file.parent.is_dir():
        raise InputError(f"--log-file: folder {log_file.parent} does not exist")


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # Imported here so that --help answers without loading pandas and sklearn.
    from heart_disease import (  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
        commands,
    )

    handler = getattr(commands, args.command)
    call = commands.Invocation(args, os.environ, shlex.join([PROG, *argv]))
    output: commands.Output = handler(call)
    print(output.text, end="" if output.text.endswith("\n") else "\n")
    if output.refusal:
        raise InputError(output.refusal)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``heart-disease`` command line; return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
        _check_log_file(args.log_file)
    except (_UsageError, InputError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    _configure_logging(args.log_level, args.log_file)
    try:
        return _run(args, arguments)
    except HeartDiseaseError as error:
        if args.log_level == "DEBUG":
            logger.exception("failed")
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
