"""The train command's workflow: validate, split, select, fit, evaluate, write."""

import logging
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split

from heart_disease import artifacts, plots
from heart_disease.dataset import (
    feature_frame,
    load_dataset,
    target_vector,
    training_rows,
)
from heart_disease.evaluation import Metrics, compute_metrics, feature_importances
from heart_disease.model_card import render_model_card
from heart_disease.models import AUTO, CANDIDATES, build_pipeline
from heart_disease.selection import CvSettings, Selection, select_model
from heart_disease.validation import SplitPlan

logger = logging.getLogger(__name__)

_VERSIONED = ("scikit-learn", "skops", "pandas", "numpy", "matplotlib")


@dataclass(frozen=True)
class TrainConfig:  # pylint: disable=too-many-instance-attributes  # one per option
    """Options of one training run (the CLI's ``train`` arguments)."""

    data_path: Path
    output_dir: Path
    test_size: float = 0.2
    seed: int = 42
    # The soft-voting ensemble is the default: in repeated CV it beats picking
    # a model per run by a noisy 5-fold score (see benchmarks/).
    model: str = "ensemble"
    tune: bool = False
    cv_folds: int = 5
    n_jobs: int = 2
    command_line: str = "heart-disease train"


@dataclass(frozen=True)
class TrainResult:  # pylint: disable=too-many-instance-attributes  # a run's record
    """Everything a training run produced, for the summary and the model card."""

    config: TrainConfig
    data_sha256: str
    rows_read: int
    rows_used: int
    train_rows: int
    test_rows: int
    selection: Selection
    metrics: Metrics
    importances: dict[str, float]
    hyperparameters: dict[str, Any]
    created: str
    versions: dict[str, str]

    def metrics_payload(self) -> dict[str, Any]:
        """Return the content of ``metrics.json`` (no dates: reruns compare equal)."""
        best = self.selection.best
        return {
            "model": best.name,
            "seed": self.config.seed,
            "test_size": self.config.test_size,
            "tuned": self.config.tune,
            "rows": {
                "read": self.rows_read,
                "used": self.rows_used,
                "train": self.train_rows,
                "test": self.test_rows,
            },
            "test": self.metrics.to_dict(),
            "cross_validation": {
                "folds": self.config.cv_folds,
                "accuracy_mean": best.accuracy_mean,
                "accuracy_std": best.accuracy_std,
                "roc_auc_mean": best.roc_auc_mean,
                "roc_auc_std": best.roc_auc_std,
            },
            "candidates": [
                {
                    "model": s.name,
                    "accuracy_mean": s.accuracy_mean,
                    "accuracy_std": s.accuracy_std,
                    "roc_auc_mean": s.roc_auc_mean,
                    "roc_auc_std": s.roc_auc_std,
                    "tuned_params": _strip_prefix(s.params),
                }
                for s in self.selection.scores
            ],
            "hyperparameters": self.hyperparameters,
            "feature_importances": self.importances,
        }


def train(config: TrainConfig) -> TrainResult:
    """Train, evaluate and save a model as the ``train`` command does.

    Args:
        config: The run's options.

    Returns:
        What was produced; the files are in ``config.output_dir``.

    Raises:
        DataFormatError: The data file cannot be read.
        DataValidationError: The data is not usable for training.
    """
    dataset = load_dataset(
        config.data_path, split=SplitPlan(config.test_size, config.cv_folds)
    )
    rows = training_rows(dataset.frame)
    train_x, test_x, train_y, test_y = _split(rows, config)
    names = CANDIDATES if config.model == AUTO else (config.model,)
    settings = CvSettings(config.cv_folds, config.seed, config.n_jobs)
    selection = select_model(names, train_x, train_y, settings, tune=config.tune)
    logger.info("fitting %s on the training split", selection.best.name)
    pipeline = build_pipeline(selection.best.name, config.seed)
    pipeline.set_params(**selection.best.params).fit(train_x, train_y)
    probability = pipeline.predict_proba(test_x)[:, 1]
    metrics = compute_metrics(test_y, probability)
    logger.info("computing permutation importances on the test split")
    result = TrainResult(
        config=config,
        data_sha256=dataset.sha256,
        rows_read=len(dataset.frame),
        rows_used=len(rows),
        train_rows=len(train_x),
        test_rows=len(test_x),
        selection=selection,
        metrics=metrics,
        importances=feature_importances(
            pipeline, test_x, test_y, config.seed, config.n_jobs
        ),
        hyperparameters=_scalar_params(pipeline.named_steps["model"]),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=library_versions(),
    )
    _write_outputs(result, pipeline, test_y, probability)
    return result


def _split(rows: pd.DataFrame, config: TrainConfig) -> list[Any]:
    target = target_vector(rows)
    parts: list[Any] = train_test_split(
        feature_frame(rows),
        target,
        test_size=config.test_size,
        stratify=target,
        random_state=config.seed,
    )
    logger.info(
        "split %d rows: %d train, %d test", len(rows), len(parts[0]), len(parts[1])
    )
    return parts


def _write_outputs(result: TrainResult, pipeline: Any, test_y: Any, proba: Any) -> None:
    out = result.config.output_dir
    artifacts.save_model(pipeline, out)
    artifacts.write_json(result.metrics_payload(), out / artifacts.METRICS_FILE)
    (out / artifacts.MODEL_CARD_FILE).write_text(
        render_model_card(result), encoding="utf-8"
    )
    plots.plot_roc_curve(
        test_y, proba, result.metrics.roc_auc, out / artifacts.ROC_PLOT_FILE
    )
    plots.plot_confusion_matrix(
        result.metrics.confusion_matrix, out / artifacts.CONFUSION_PLOT_FILE
    )
    plots.plot_feature_importances(
        result.importances, out / artifacts.IMPORTANCE_PLOT_FILE
    )
    logger.info("wrote the model and its report to %s", out)


def library_versions() -> dict[str, str]:
    """Return the versions of Python and the libraries that shape the model."""
    versions = {"python": platform.python_version()}
    versions |= {name: metadata.version(name) for name in _VERSIONED}
    return versions


# The hyperparameters that the candidates set or tune; the rest are library defaults.
_KEY_PARAMS = frozenset(
    {
        "C",
        "n_neighbors",
        "weights",
        "n_estimators",
        "min_samples_leaf",
        "max_features",
        "learning_rate",
        "max_depth",
        "subsample",
        "voting",
    }
)


def _scalar_params(estimator: Any) -> dict[str, Any]:
    params = estimator.get_params(deep=True)
    return {
        key: value
        for key, value in sorted(params.items())
        if key.rsplit("__", 1)[-1] in _KEY_PARAMS
        and (isinstance(value, str | int | float | bool) or value is None)
    }


def _strip_prefix(params: dict[str, Any]) -> dict[str, Any]:
    return {key.removeprefix("model__"): value for key, value in params.items()}
