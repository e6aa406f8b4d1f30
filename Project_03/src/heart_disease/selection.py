"""Compare candidate models by cross-validation, optionally over a small grid."""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sklearn.model_selection import ParameterGrid, StratifiedKFold, cross_validate

from heart_disease.models import PARAM_GRIDS, build_pipeline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CandidateScore:
    """Cross-validation scores of one candidate with one set of hyperparameters."""

    name: str
    accuracy_mean: float
    accuracy_std: float
    roc_auc_mean: float
    roc_auc_std: float
    params: dict[str, Any] = field(default_factory=dict)

    def rank_key(self) -> tuple[float, float]:
        """Order by ROC AUC first (threshold-free), then accuracy."""
        return (self.roc_auc_mean, self.accuracy_mean)


@dataclass(frozen=True)
class CvSettings:
    """How cross-validation runs: folds, seed and parallel jobs."""

    folds: int = 5
    seed: int = 42
    n_jobs: int = 1


@dataclass(frozen=True)
class Selection:
    """The winner and every candidate's best score, best first."""

    best: CandidateScore
    scores: tuple[CandidateScore, ...]


def score_candidate(
    name: str,
    features: pd.DataFrame,
    target: pd.Series,
    settings: CvSettings,
    params: dict[str, Any] | None = None,
) -> CandidateScore:
    """Cross-validate one candidate (stratified, shuffled with the seed).

    Args:
        name: A candidate model name.
        features: Training features.
        target: Training labels.
        settings: Folds, seed and jobs.
        params: Pipeline parameters overriding the defaults.

    Returns:
        Mean and standard deviation of accuracy and ROC AUC over the folds.
    """
    pipeline = build_pipeline(name, settings.seed).set_params(**(params or {}))
    folds = StratifiedKFold(settings.folds, shuffle=True, random_state=settings.seed)
    scores = cross_validate(
        pipeline,
        features,
        target,
        cv=folds,
        scoring=("accuracy", "roc_auc"),
        n_jobs=settings.n_jobs,
        error_score="raise",
    )
    return CandidateScore(
        name=name,
        accuracy_mean=float(scores["test_accuracy"].mean()),
        accuracy_std=float(scores["test_accuracy"].std()),
        roc_auc_mean=float(scores["test_roc_auc"].mean()),
        roc_auc_std=float(scores["test_roc_auc"].std()),
        params=dict(params or {}),
    )


def tune_candidate(
    name: str, features: pd.DataFrame, target: pd.Series, settings: CvSettings
) -> CandidateScore:
    """Grid-search one candidate by cross-validation, logging every step.

    Args:
        name: A candidate model name (a key of ``PARAM_GRIDS``).
        features: Training features.
        target: Training labels.
        settings: Folds, seed and jobs.

    Returns:
        The best-scoring parameter set.
    """
    grid = list(ParameterGrid(PARAM_GRIDS[name]))
    scores = []
    for step, params in enumerate(grid, start=1):
        started = time.perf_counter()
        score = score_candidate(name, features, target, settings, params)
        logger.info(
            "tuning %s [%d/%d] %s: ROC AUC %.4f ± %.4f, accuracy %.4f (%.1f s)",
            name,
            step,
            len(grid),
            _describe(params),
            score.roc_auc_mean,
            score.roc_auc_std,
            score.accuracy_mean,
            time.perf_counter() - started,
        )
        scores.append(score)
    best = max(scores, key=CandidateScore.rank_key)  # the first of equals wins
    logger.info("tuning %s: best %s", name, _describe(best.params))
    return best


def select_model(
    names: tuple[str, ...],
    features: pd.DataFrame,
    target: pd.Series,
    settings: CvSettings,
    *,
    tune: bool = False,
) -> Selection:
    """Score every named candidate (tuned or with defaults) and keep the best.

    Args:
        names: Candidate model names to compare.
        features: Training features.
        target: Training labels.
        settings: Folds, seed and jobs.
        tune: Whether to grid-search each candidate first.

    Returns:
        The selection, candidates ordered best first.
    """
    scores = []
    for name in names:
        if tune:
            score = tune_candidate(name, features, target, settings)
        else:
            score = score_candidate(name, features, target, settings)
            logger.info(
                "cross-validated %s: ROC AUC %.4f ± %.4f, accuracy %.4f ± %.4f",
                name,
                score.roc_auc_mean,
                score.roc_auc_std,
                score.accuracy_mean,
                score.accuracy_std,
            )
        scores.append(score)
    ranked = tuple(sorted(scores, key=CandidateScore.rank_key, reverse=True))
    return Selection(best=ranked[0], scores=ranked)


def _describe(params: dict[str, Any]) -> str:
    return " ".join(f"{k.removeprefix('model__')}={v}" for k, v in params.items())
