"""The daily job: validate → drift check → challenger → comparison → gated promotion.

Every decision is an MLflow run tagged ``decision`` (promoted, kept, refused)
and ``reason``. The champion alias only ever moves in one update, after the
challenger is registered, so it is never missing or half-set.
"""

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from heart_disease.artifacts import EVALUATION_FILE, TRAINING_ROWS_FILE, read_json
from heart_disease.dataset import (
    Dataset,
    evaluation_digest,
    feature_fingerprints,
    load_dataset,
    target_vector,
    training_rows,
)
from heart_disease.drift import DataProfile, DriftReport, drift_report
from heart_disease.errors import (
    HeartDiseaseError,
    InputError,
    NoChampionError,
    TrackingError,
)
from heart_disease.evaluation import compute_metrics
from heart_disease.gate import Comparison, GateDecision, Scores, Tolerances, decide
from heart_disease.inference import ScoringModel
from heart_disease.readers import read_table
from heart_disease.registration import (
    DECISION_TAG,
    EVALUATION_FROZEN_BY_TAG,
    EVALUATION_SHA_TAG,
    REASON_TAG,
    evaluation_tags,
    load_champion,
    run_record,
)
from heart_disease.schema import TARGET
from heart_disease.tracking import ModelVersion, Registry, RunRecord
from heart_disease.training import FittedModel, TrainConfig, fit, write_report
from heart_disease.validation import SplitPlan, raise_for_errors, validate_frame

logger = logging.getLogger(__name__)

Decision = Literal["promoted", "kept", "refused"]
NEW_ROWS = "the new data's held-out rows"
# Fewer unseen held-out rows than this make a comparison too noisy to gate on.
MIN_COMPARISON_ROWS = 30
CHAMPION_ROWS = "the champion's held-out rows"


@dataclass(frozen=True)
class RetrainConfig:
    """Options of one ``retrain`` run."""

    data_path: Path
    accept_drift: bool = False
    tolerances: Tolerances = field(default_factory=Tolerances)
    n_jobs: int = 2
    command_line: str = "heart-disease retrain"


@dataclass(frozen=True)
class RetrainOutcome:
    """The decision and what it was based on."""

    decision: Decision
    champion: int | None
    challenger: int | None
    reason: str
    drift: DriftReport | None = None
    comparisons: tuple[Comparison, ...] = ()

    def summary(self) -> dict[str, Any]:
        """The scheduler's one-line JSON: decision, versions and reason."""
        return {
            "decision": self.decision,
            "champion": self.champion,
            "challenger": self.challenger,
            "reason": self.reason,
        }


def retrain(config: RetrainConfig, registry: Registry) -> RetrainOutcome:
    """Run the gated retraining against the registry's champion.

    Args:
        config: The run's options.
        registry: The MLflow registry holding the champion.

    Returns:
        The outcome; a refusal is an outcome too (logged as a run), not an error.

    Raises:
        NoChampionError: There is no champion to compete against.
        TrackingError: The registry failed.
    """
    version = registry.champion()
    if version is None:
        raise NoChampionError(
            f"no {registry.uri} champion to compete against: "
            "run `heart-disease train` first"
        )
    with tempfile.TemporaryDirectory(prefix="heart-disease-") as scratch:
        workspace = Path(scratch)
        incumbent = _load_incumbent(registry, version, workspace)
        try:
            dataset, drift = _checked_data(config, incumbent)
        except InputError as refusal:
            return _refuse(registry, config, version, str(refusal))
        if drift.drifted and not config.accept_drift:
            reason = (
                f"drift beyond thresholds in {', '.join(drift.drifted)} "
                "(--accept-drift overrides)"
            )
            return _refuse(registry, config, version, reason, drift)
        train_config = _challenger_config(config, version)
        try:
            rows = _challenger_rows(dataset, incumbent.reference, train_config)
        except InputError as refusal:
            return _refuse(registry, config, version, str(refusal), drift)
        fitted = fit(
            rows,
            train_config,
            data_sha256=dataset.sha256,
            rows_read=len(dataset.frame),
            evaluation_set=incumbent.reference,
        )
        comparisons, gate = _judge(fitted, incumbent, config.tolerances)
        write_report(fitted, workspace / "challenger")
        return _conclude(
            registry,
            incumbent,
            fitted,
            workspace / "challenger",
            gate=gate,
            drift=drift,
            comparisons=comparisons,
        )


@dataclass(frozen=True)
class _Incumbent:
    """The champion as the gate needs it.

    Attributes:
        reference: The lineage's frozen evaluation set, checked against the
            digest on the champion's version.
        frozen_by: The version that froze it.
        training_rows: Feature fingerprints of the rows the champion fitted on.
    """

    version: ModelVersion
    model: ScoringModel
    profile: DataProfile
    reference: pd.DataFrame
    frozen_by: int
    training_rows: frozenset[str]


def _load_incumbent(
    registry: Registry, version: ModelVersion, workspace: Path
) -> _Incumbent:
    model, report_dir = load_champion(registry, version, workspace)
    if model.profile is None:
        raise NoChampionError(
            f"champion version {version.version} has no training profile; "
            "retrain needs a champion trained by this version of heart-disease"
        )
    recorded = version.tags.get(EVALUATION_SHA_TAG)
    frozen = report_dir / EVALUATION_FILE
    if recorded is None or not frozen.is_file():
        raise NoChampionError(
            f"champion version {version.version} has no frozen evaluation set; "
            "retrain needs a champion trained by this version of heart-disease"
        )
    reference = read_table(frozen)
    if evaluation_digest(reference) != recorded:
        raise TrackingError(
            f"champion version {version.version}: {EVALUATION_FILE} does not match "
            f"its {EVALUATION_SHA_TAG} tag; the stored evaluation set was changed"
        )
    trained_on = report_dir / TRAINING_ROWS_FILE
    rows = read_json(trained_on)["rows"] if trained_on.is_file() else []
    frozen_by = int(version.tags.get(EVALUATION_FROZEN_BY_TAG, version.version))
    return _Incumbent(
        version, model, model.profile, reference, frozen_by, frozenset(rows)
    )


def _judge(
    fitted: FittedModel, incumbent: _Incumbent, tolerances: Tolerances
) -> tuple[tuple[Comparison, ...], GateDecision]:
    """Score both models on the same held-out rows and apply the gate."""
    fresh, note = _unseen_by_champion(fitted.holdout, incumbent)
    comparisons = tuple(
        _compare(name, rows, incumbent.model, fitted)
        for name, rows in ((NEW_ROWS, fresh), (CHAMPION_ROWS, incumbent.reference))
        if rows is not None
    )
    gate = decide(list(comparisons), tolerances)
    return comparisons, GateDecision(gate.promote, gate.reason + note)


def _unseen_by_champion(
    holdout: pd.DataFrame, incumbent: _Incumbent
) -> tuple[pd.DataFrame | None, str]:
    """The challenger's held-out rows that the champion was not trained on.

    A daily file often repeats old rows; scoring the champion on rows it was
    fitted on would flatter it. With too few unseen rows (or one class) the set
    is skipped, and the reason says so.
    """
    seen = incumbent.training_rows
    unseen = [fp not in seen for fp in feature_fingerprints(holdout)]
    fresh = holdout[unseen].reset_index(drop=True)
    if len(fresh) >= MIN_COMPARISON_ROWS and fresh[TARGET].nunique() == 2:  # noqa: PLR2004
        return fresh, ""
    return None, (
        f" (the new data's held-out rows were not compared: only {len(fresh)} of "
        f"{len(holdout)} were unseen by the champion, {MIN_COMPARISON_ROWS} needed)"
    )


def _checked_data(
    config: RetrainConfig, incumbent: _Incumbent
) -> tuple[Dataset, DriftReport]:
    params = incumbent.version.params
    plan = SplitPlan(
        float(params.get("test_size", 0.2)), int(params.get("cv_folds", 5))
    )
    dataset = load_dataset(config.data_path, split=plan)
    return dataset, drift_report(incumbent.profile, dataset.frame)


def _challenger_rows(
    dataset: Dataset, reference: pd.DataFrame, train_config: TrainConfig
) -> pd.DataFrame:
    """Deduplicated new rows, minus any row whose features are in the evaluation set.

    Keeping those rows out of the challenger's training, whatever label they
    come back with, is what makes the comparison on them fair.

    Raises:
        DataValidationError: Too few rows remain to split and cross-validate.
    """
    rows = training_rows(dataset.frame)
    held_out = set(feature_fingerprints(reference))
    keep = [fp not in held_out for fp in feature_fingerprints(rows)]
    removed = len(rows) - sum(keep)
    if removed:
        logger.info(
            "left out %d rows whose features are in the frozen evaluation set",
            removed,
        )
    remaining = rows[keep].reset_index(drop=True)
    plan = SplitPlan(train_config.test_size, train_config.cv_folds)
    raise_for_errors(
        validate_frame(remaining, split=plan),
        f"{dataset.path.name} without the frozen evaluation set's rows",
    )
    return remaining


def _challenger_config(config: RetrainConfig, champion: ModelVersion) -> TrainConfig:
    """The challenger is the champion's recipe refitted on the new data."""
    params = champion.params
    return replace(
        TrainConfig(data_path=config.data_path),
        model=params.get("model", "ensemble"),
        seed=int(params.get("seed", 42)),
        test_size=float(params.get("test_size", 0.2)),
        cv_folds=int(params.get("cv_folds", 5)),
        n_jobs=config.n_jobs,
        command_line=config.command_line,
    )


def _compare(
    name: str, rows: pd.DataFrame, champion: ScoringModel, fitted: FittedModel
) -> Comparison:
    target = target_vector(rows)

    def scores(probability: Any) -> Scores:
        metrics = compute_metrics(target, probability)
        if metrics.roc_auc is None:
            raise HeartDiseaseError(f"{name} hold a single class; cannot compare")
        return Scores(metrics.roc_auc, metrics.brier)

    challenger = ScoringModel(fitted.pipeline, None, "challenger")
    return Comparison(
        rows_name=name,
        rows=len(rows),
        champion=scores(champion.probabilities(rows)),
        challenger=scores(challenger.probabilities(rows)),
    )


def _refuse(
    registry: Registry,
    config: RetrainConfig,
    champion: ModelVersion,
    reason: str,
    drift: DriftReport | None = None,
) -> RetrainOutcome:
    logger.info("refused %s: %s", config.data_path, reason)
    metrics = {} if drift is None else {f"psi.{f.name}": f.psi for f in drift.features}
    registry.log_run(
        "retrain",
        RunRecord(
            params={"data_file": config.data_path.name},
            metrics=metrics,
            tags={
                DECISION_TAG: "refused",
                REASON_TAG: reason[:4000],
                "champion_version": str(champion.version),
                "data_path": str(config.data_path),
                "command_line": config.command_line,
            },
        ),
    )
    return RetrainOutcome("refused", champion.version, None, reason, drift)


def _conclude(  # pylint: disable=too-many-arguments
    registry: Registry,
    incumbent: _Incumbent,
    fitted: FittedModel,
    report_dir: Path,
    *,
    gate: GateDecision,
    drift: DriftReport,
    comparisons: tuple[Comparison, ...],
) -> RetrainOutcome:
    champion = incumbent.version
    record = run_record(
        fitted,
        report_dir,
        {"champion_version": str(champion.version), DECISION_TAG: "pending"},
    )
    record.metrics.update({f"psi.{f.name}": f.psi for f in drift.features})
    logged = registry.log_run("retrain", record, model=fitted.pipeline)
    if logged.version is None:  # pragma: no cover  (a model is always passed)
        raise HeartDiseaseError("the challenger was not registered")
    decision: Decision = "promoted" if gate.promote else "kept"
    registry.tag(logged, evaluation_tags(fitted, frozen_by=incumbent.frozen_by))
    if gate.promote:
        registry.promote(logged.version)
    registry.tag(logged, {DECISION_TAG: decision, REASON_TAG: gate.reason[:4000]})
    new_champion = logged.version if gate.promote else champion.version
    logger.info("%s: %s", decision, gate.reason)
    return RetrainOutcome(
        decision, new_champion, logged.version, gate.reason, drift, comparisons
    )
