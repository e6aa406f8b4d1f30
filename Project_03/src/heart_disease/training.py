"""The train command's workflow: validate, split, select, fit, evaluate, report.

:func:`fit` turns training rows into a fitted pipeline and its record;
:func:`write_report` writes that record as files; :func:`train` runs both on a
data file and, given a registry, logs the run and registers the model.
"""

import logging
import platform
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

from heart_disease import __version__, artifacts, plots
from heart_disease.calibration import Calibration, calibration
from heart_disease.dataset import (
    feature_fingerprints,
    feature_frame,
    load_dataset,
    target_vector,
    training_rows,
)
from heart_disease.drift import DataProfile, build_profile
from heart_disease.evaluation import Metrics, compute_metrics, feature_importances
from heart_disease.model_card import render_model_card
from heart_disease.models import AUTO, CANDIDATES, build_pipeline
from heart_disease.schema import TARGET
from heart_disease.selection import CvSettings, Selection, select_model
from heart_disease.subgroups import GroupMetrics, subgroup_metrics
from heart_disease.validation import SplitPlan

logger = logging.getLogger(__name__)

_VERSIONED = (
    "scikit-learn", "skops", "pandas", "numpy", "scipy", "matplotlib", "mlflow"
)  # fmt: skip


@dataclass(frozen=True)
class TrainConfig:  # pylint: disable=too-many-instance-attributes  # one per option
    """Options of one training run (the CLI's ``train`` arguments)."""

    data_path: Path
    output_dir: Path | None = None
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
    calibration: Calibration
    subgroups: tuple[GroupMetrics, ...]
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
            "calibration": self.calibration.to_dict(),
            "subgroups": [group.to_dict() for group in self.subgroups],
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


@dataclass(frozen=True)
class FittedModel:  # pylint: disable=too-many-instance-attributes  # a fit's record
    """A fitted pipeline with its record, training profile and held-out rows.

    Attributes:
        holdout: This fit's own held-out rows (its test split).
        evaluation_set: The frozen rows the gate judges this lineage on: the
            holdout of the first model, inherited unchanged by its challengers.
        training_fingerprints: :func:`feature_fingerprints` of the rows fitted on.
    """

    pipeline: Any
    result: TrainResult
    profile: DataProfile
    holdout: pd.DataFrame
    holdout_probability: npt.NDArray[np.float64]
    training_fingerprints: tuple[str, ...]
    evaluation_set: pd.DataFrame


def fit(
    rows: pd.DataFrame,
    config: TrainConfig,
    *,
    data_sha256: str,
    rows_read: int,
    evaluation_set: pd.DataFrame | None = None,
) -> FittedModel:
    """Split, select, fit and evaluate on deduplicated, validated rows.

    Args:
        rows: Training rows (features and target, duplicates dropped).
        config: The run's options.
        data_sha256: The sha256 of the data file, for the record.
        rows_read: How many rows the file had before deduplication.
        evaluation_set: The champion's frozen evaluation rows, which ``rows``
            must not share features with; ``None`` freezes this fit's holdout.

    Returns:
        The fitted pipeline and everything reported about it.
    """
    train_x, test_x, train_y, test_y = _split(rows, config)
    selection = select_model(
        CANDIDATES if config.model == AUTO else (config.model,),
        train_x,
        train_y,
        CvSettings(config.cv_folds, config.seed, config.n_jobs),
        tune=config.tune,
    )
    logger.info("fitting %s on the training split", selection.best.name)
    pipeline = build_pipeline(selection.best.name, config.seed)
    pipeline.set_params(**selection.best.params).fit(train_x, train_y)
    probability = np.asarray(pipeline.predict_proba(test_x)[:, 1], dtype=np.float64)
    logger.info("computing permutation importances and subgroup intervals")
    result = TrainResult(
        config=config,
        data_sha256=data_sha256,
        rows_read=rows_read,
        rows_used=len(rows),
        train_rows=len(train_x),
        test_rows=len(test_x),
        selection=selection,
        metrics=compute_metrics(test_y, probability),
        calibration=calibration(test_y, probability),
        subgroups=tuple(subgroup_metrics(test_x, test_y, probability, config.seed)),
        importances=feature_importances(
            pipeline, test_x, test_y, config.seed, config.n_jobs
        ),
        hyperparameters=_scalar_params(pipeline.named_steps["model"]),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=library_versions(),
    )
    holdout = test_x.assign(**{TARGET: test_y}).reset_index(drop=True)
    return FittedModel(
        pipeline=pipeline,
        result=result,
        profile=build_profile(train_x.assign(**{TARGET: train_y})),
        holdout=holdout,
        holdout_probability=probability,
        training_fingerprints=tuple(feature_fingerprints(train_x)),
        evaluation_set=holdout if evaluation_set is None else evaluation_set,
    )


def train(config: TrainConfig, registry: Any | None = None) -> "TrainOutcome":
    """Train on a data file as the ``train`` command does.

    Args:
        config: The run's options.
        registry: A :class:`heart_disease.tracking.Registry` to log the run to
            and register the model in; ``None`` keeps everything local.

    Returns:
        The record and, with a registry, the new version and the champion.

    Raises:
        DataFormatError: The data file cannot be read.
        DataValidationError: The data is not usable for training.
        TrackingError: The registry failed.
    """
    dataset = load_dataset(
        config.data_path, split=SplitPlan(config.test_size, config.cv_folds)
    )
    fitted = fit(
        training_rows(dataset.frame),
        config,
        data_sha256=dataset.sha256,
        rows_read=len(dataset.frame),
    )
    with tempfile.TemporaryDirectory(prefix="heart-disease-") as scratch:
        report_dir = Path(scratch) / "report"
        write_report(fitted, report_dir)
        registration: dict[str, Any] = {}
        if registry is not None:
            # pylint: disable-next=import-outside-toplevel  # MLflow only when used
            from heart_disease.registration import register_training  # noqa: PLC0415

            registration = register_training(registry, fitted, report_dir)
        if config.output_dir is not None:
            artifacts.save_model(fitted.pipeline, report_dir)
            if registration:
                artifacts.write_json(
                    registration, report_dir / artifacts.REGISTRATION_FILE
                )
            publish(report_dir, config.output_dir)
    return TrainOutcome(
        result=fitted.result,
        version=registration.get("version"),
        champion=registration.get("champion"),
        tracking_uri=registration.get("tracking_uri"),
    )


@dataclass(frozen=True)
class TrainOutcome:
    """What ``train`` reports: the record, and where the model was registered."""

    result: TrainResult
    version: int | None = None
    champion: int | None = None
    tracking_uri: str | None = None


def write_report(fitted: FittedModel, folder: Path) -> None:
    """Write metrics, model card, plots, training profile and held-out rows.

    Args:
        fitted: The output of :func:`fit`.
        folder: Created if needed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    result = fitted.result
    artifacts.write_json(result.metrics_payload(), folder / artifacts.METRICS_FILE)
    (folder / artifacts.MODEL_CARD_FILE).write_text(
        render_model_card(result), encoding="utf-8"
    )
    artifacts.write_json(fitted.profile.to_dict(), folder / artifacts.PROFILE_FILE)
    fitted.holdout.to_csv(folder / artifacts.HOLDOUT_FILE, index=False)
    fitted.evaluation_set.to_csv(folder / artifacts.EVALUATION_FILE, index=False)
    artifacts.write_json(
        {
            "hash": "blake2b-64 of the features (the label left out)",
            "rows": list(fitted.training_fingerprints),
        },
        folder / artifacts.TRAINING_ROWS_FILE,
    )
    test_y = fitted.holdout[TARGET]
    plots.plot_roc_curve(
        test_y,
        fitted.holdout_probability,
        result.metrics.roc_auc,
        folder / artifacts.ROC_PLOT_FILE,
    )
    plots.plot_confusion_matrix(
        result.metrics.confusion_matrix, folder / artifacts.CONFUSION_PLOT_FILE
    )
    plots.plot_feature_importances(
        result.importances, folder / artifacts.IMPORTANCE_PLOT_FILE
    )
    plots.plot_reliability_curve(
        result.calibration, folder / artifacts.RELIABILITY_PLOT_FILE
    )


def publish(source: Path, output_dir: Path) -> None:
    """Replace ``output_dir`` with a copy of ``source``, never half-written.

    The copy is made beside the target, then swapped in with renames, so an
    interrupted run leaves the previous folder (or none), not a mixture.
    """
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(
        tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=output_dir.parent)
    )
    shutil.copytree(source, incoming, dirs_exist_ok=True)
    if output_dir.exists():
        retired = Path(
            tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent)
        )
        output_dir.replace(retired / output_dir.name)
        incoming.replace(output_dir)
        shutil.rmtree(retired)
    else:
        incoming.replace(output_dir)
    logger.info("wrote the model and its report to %s", output_dir)


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


def library_versions() -> dict[str, str]:
    """Return the versions of Python, this package and the libraries it uses."""
    versions = {"python": platform.python_version(), "heart-disease": __version__}
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
