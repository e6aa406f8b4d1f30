"""Metrics and feature importances of a fitted pipeline on labelled rows."""

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

THRESHOLD = 0.5


@dataclass(frozen=True)
class Metrics:  # pylint: disable=too-many-instance-attributes  # one per metric
    """Held-out metrics at the 0.5 probability threshold.

    ``confusion_matrix`` is ``[[tn, fp], [fn, tp]]``; ``roc_auc`` is ``None``
    when the rows hold a single class.
    """

    rows: int
    accuracy: float
    roc_auc: float | None
    f1: float
    precision: float
    recall: float
    brier: float
    confusion_matrix: list[list[int]]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return asdict(self)


def compute_metrics(target: pd.Series, probability: np.ndarray) -> Metrics:
    """Compute classification metrics from true labels and P(heart disease).

    Args:
        target: True labels, 0 or 1.
        probability: Predicted probability of class 1 for each row.

    Returns:
        The metrics.
    """
    predicted = (probability >= THRESHOLD).astype(int)
    both_classes = target.nunique() == 2  # noqa: PLR2004  (binary target)
    matrix = confusion_matrix(target, predicted, labels=[0, 1])
    return Metrics(
        rows=len(target),
        accuracy=float(accuracy_score(target, predicted)),
        roc_auc=float(roc_auc_score(target, probability)) if both_classes else None,
        f1=float(f1_score(target, predicted, zero_division=0)),
        precision=float(precision_score(target, predicted, zero_division=0)),
        recall=float(recall_score(target, predicted, zero_division=0)),
        brier=float(brier_score_loss(target, probability)),
        confusion_matrix=[[int(v) for v in row] for row in matrix],
    )


def feature_importances(
    pipeline: Any,
    features: pd.DataFrame,
    target: pd.Series,
    seed: int,
    n_jobs: int = 1,
) -> dict[str, float]:
    """Permutation importance of each input column (drop in ROC AUC), largest first.

    Computed on the raw columns, so it works for every candidate, including the
    ensemble, and speaks the data's language rather than one-hot column names.

    Args:
        pipeline: A fitted pipeline.
        features: Held-out features.
        target: Held-out labels.
        seed: Random state of the permutations.
        n_jobs: Parallel jobs (one per column).

    Returns:
        Mean importance per column.
    """
    result = permutation_importance(
        pipeline,
        features,
        target,
        scoring="roc_auc",
        n_repeats=5,
        random_state=seed,
        n_jobs=n_jobs,
    )
    means = dict(zip(features.columns, result.importances_mean, strict=True))
    return {str(k): float(v) for k, v in sorted(means.items(), key=lambda kv: -kv[1])}
