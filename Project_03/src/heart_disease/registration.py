"""What a training run records in MLflow, and the rule for the first champion."""

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heart_disease.artifacts import PROFILE_FILE, load_model, read_json
from heart_disease.dataset import evaluation_digest
from heart_disease.drift import DataProfile
from heart_disease.inference import ScoringModel
from heart_disease.tracking import (
    CHAMPION,
    MODEL_NAME,
    LoggedRun,
    ModelVersion,
    Registry,
    RunRecord,
)

if TYPE_CHECKING:  # training imports this module when it registers a run
    from heart_disease.training import FittedModel

DECISION_TAG = "decision"
REASON_TAG = "reason"
# The frozen evaluation set, on every version: its digest, size and the version
# that froze it (the first champion; every challenger of the lineage inherits it).
EVALUATION_SHA_TAG = "evaluation_set.sha256"
EVALUATION_ROWS_TAG = "evaluation_set.rows"
EVALUATION_FROZEN_BY_TAG = "evaluation_set.frozen_by_version"
_REQUIRED = ("scikit-learn", "skops", "numpy", "pandas", "scipy")


def _metric_name(*parts: str) -> str:
    """``test.Age.under_45.recall``: MLflow allows letters, digits, ``_ - . /``."""
    spelled = (part.replace("<", "under_").replace(">", "over_") for part in parts)
    return ".".join(re.sub(r"[^\w\-]+", "_", part).strip("_") for part in spelled)


def run_record(
    fitted: "FittedModel", report_dir: Path, tags: dict[str, str]
) -> RunRecord:
    """Parameters, metrics and tags of a fitted model, for one MLflow run.

    Args:
        fitted: The output of :func:`heart_disease.training.fit`.
        report_dir: The folder :func:`heart_disease.training.write_report` wrote.
        tags: Extra tags (decision, reason, command).

    Returns:
        The record to log.
    """
    result, config = fitted.result, fitted.result.config
    best = result.selection.best
    params: dict[str, Any] = {
        "model": best.name,
        "seed": config.seed,
        "test_size": config.test_size,
        "cv_folds": config.cv_folds,
        "tuned": config.tune,
        "data_file": config.data_path.name,
        "rows_used": result.rows_used,
        "train_rows": result.train_rows,
        "test_rows": result.test_rows,
    }
    params |= {f"hp.{k}": v for k, v in result.hyperparameters.items()}
    metrics = {
        "cv_roc_auc_mean": best.roc_auc_mean,
        "cv_roc_auc_std": best.roc_auc_std,
        "cv_accuracy_mean": best.accuracy_mean,
        "test_ece": result.calibration.ece,
    }
    metrics |= {
        f"test_{name}": float(value)
        for name, value in result.metrics.to_dict().items()
        if isinstance(value, int | float) and name != "rows"
    }
    for group in result.subgroups:
        for name in ("recall", "specificity", "roc_auc"):
            estimate = getattr(group, name)
            if estimate.value is not None:
                key = _metric_name("test", group.group, group.level, name)
                metrics[key] = estimate.value
    versions = result.versions
    return RunRecord(
        params=params,
        metrics=metrics,
        tags={
            "data_sha256": result.data_sha256,
            "data_path": str(config.data_path),
            "command_line": config.command_line,
            **{f"version.{name}": value for name, value in versions.items()},
            **tags,
        },
        report_dir=report_dir,
        requirements=[f"{name}=={versions[name]}" for name in _REQUIRED],
    )


def register_training(
    registry: Registry, fitted: "FittedModel", report_dir: Path
) -> dict[str, Any]:
    """Log a ``train`` run, register its model, and crown it if the registry is empty.

    Args:
        registry: The MLflow registry.
        fitted: The trained model and its record.
        report_dir: Its report folder.

    Returns:
        ``version``, ``champion``, ``run_id`` and ``tracking_uri``.
    """
    logged = registry.log_run(
        "train", run_record(fitted, report_dir, {}), model=fitted.pipeline
    )
    if logged.version is not None:
        registry.tag(logged, evaluation_tags(fitted, frozen_by=logged.version))
    champion = registry.champion()
    if champion is None and logged.version is not None:
        registry.promote(logged.version)
        _tag(registry, logged, "promoted", "first model in an empty registry")
        champion_version: int | None = logged.version
    else:
        champion_version = None if champion is None else champion.version
        _tag(
            registry,
            logged,
            "registered",
            f"train does not move {CHAMPION}; `heart-disease retrain` competes "
            "against it",
        )
    return {
        "version": logged.version,
        "champion": champion_version,
        "run_id": logged.run_id,
        "tracking_uri": registry.uri,
    }


def evaluation_tags(fitted: "FittedModel", frozen_by: int) -> dict[str, str]:
    """The version tags that identify a fit's frozen evaluation set."""
    return {
        EVALUATION_SHA_TAG: evaluation_digest(fitted.evaluation_set),
        EVALUATION_ROWS_TAG: str(len(fitted.evaluation_set)),
        EVALUATION_FROZEN_BY_TAG: str(frozen_by),
    }


def _tag(registry: Registry, logged: LoggedRun, decision: str, reason: str) -> None:
    registry.tag(logged, {DECISION_TAG: decision, REASON_TAG: reason})


def load_champion(
    registry: Registry, champion: ModelVersion, workspace: Path
) -> tuple[ScoringModel, Path]:
    """Download the champion's model and report; load the model with our allow-list.

    Args:
        registry: The MLflow registry.
        champion: The version the alias points at.
        workspace: A scratch folder for the downloads.

    Returns:
        The model ready to score, and its downloaded report folder.

    Raises:
        ModelLoadError: The model holds types outside the allow-list.
        TrackingError: The download failed.
    """
    model_dir = registry.download_model(champion.version, workspace / "model")
    report_dir = registry.download_report(champion.run_id, workspace / "champion")
    profile_path = report_dir / PROFILE_FILE
    profile = (
        DataProfile.from_dict(read_json(profile_path))
        if profile_path.is_file()
        else None
    )
    source = f"{MODEL_NAME}@{CHAMPION} (version {champion.version})"
    return (
        ScoringModel(load_model(model_dir), champion.version, source, profile),
        report_dir,
    )
