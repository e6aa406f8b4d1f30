"""Candidates, cross-validated selection, tuning log lines and metrics."""

import logging

import numpy as np
import pandas as pd
import pytest

from heart_disease.dataset import feature_frame, target_vector
from heart_disease.errors import InputError
from heart_disease.evaluation import compute_metrics, feature_importances
from heart_disease.models import CANDIDATES, PARAM_GRIDS, build_pipeline
from heart_disease.selection import (
    CandidateScore,
    CvSettings,
    select_model,
    tune_candidate,
)

FAST = CvSettings(folds=3, seed=0, n_jobs=1)


@pytest.fixture
def xy(heart_frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return feature_frame(heart_frame), target_vector(heart_frame)


@pytest.mark.parametrize("name", CANDIDATES)
def test_every_candidate_fits_and_predicts_probabilities(
    xy: tuple[pd.DataFrame, pd.Series], name: str
) -> None:
    features, target = xy
    pipeline = build_pipeline(name, seed=0).fit(features, target)
    probability = pipeline.predict_proba(features)[:, 1]
    assert probability.shape == (len(features),)
    assert ((probability >= 0) & (probability <= 1)).all()


@pytest.mark.parametrize("name", CANDIDATES)
def test_every_grid_names_real_parameters(name: str) -> None:
    pipeline = build_pipeline(name, seed=0)
    valid = pipeline.get_params(deep=True)
    assert set(PARAM_GRIDS[name]) <= set(valid)


def test_unknown_model_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown model 'svm'"):
        build_pipeline("svm", seed=0)


def test_selection_ranks_by_roc_auc_then_accuracy(
    xy: tuple[pd.DataFrame, pd.Series],
) -> None:
    features, target = xy
    selection = select_model(("knn", "logistic"), features, target, FAST)
    assert [s.name for s in selection.scores] == sorted(
        ["knn", "logistic"],
        key=lambda n: next(s.rank_key() for s in selection.scores if s.name == n),
        reverse=True,
    )
    assert selection.best is selection.scores[0]
    assert 0.5 < selection.best.roc_auc_mean <= 1


def test_rank_key_breaks_ties_on_accuracy() -> None:
    low = CandidateScore("a", 0.80, 0.0, 0.9, 0.0)
    high = CandidateScore("b", 0.85, 0.0, 0.9, 0.0)
    assert max([low, high], key=CandidateScore.rank_key) is high


def test_tuning_logs_every_step_and_keeps_the_best(
    xy: tuple[pd.DataFrame, pd.Series], caplog: pytest.LogCaptureFixture
) -> None:
    features, target = xy
    caplog.set_level(logging.INFO, logger="heart_disease")
    best = tune_candidate("logistic", features, target, FAST)
    steps = [
        r.getMessage() for r in caplog.records if "tuning logistic [" in r.getMessage()
    ]
    grid_size = len(PARAM_GRIDS["logistic"]["model__C"])
    assert len(steps) == grid_size
    assert steps[0].startswith(f"tuning logistic [1/{grid_size}] C=")
    assert best.params["model__C"] in PARAM_GRIDS["logistic"]["model__C"]


def test_metrics_match_a_hand_computed_case() -> None:
    target = pd.Series([0, 0, 1, 1])
    probability = np.array([0.1, 0.6, 0.4, 0.9])
    metrics = compute_metrics(target, probability)
    assert metrics.accuracy == 0.5
    assert metrics.confusion_matrix == [[1, 1], [1, 1]]
    assert metrics.precision == 0.5
    assert metrics.recall == 0.5
    assert metrics.roc_auc == 0.75
    assert metrics.brier == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)


def test_roc_auc_is_none_for_a_single_class() -> None:
    metrics = compute_metrics(pd.Series([1, 1]), np.array([0.2, 0.8]))
    assert metrics.roc_auc is None
    assert metrics.to_dict()["confusion_matrix"] == [[0, 0], [1, 1]]


def test_permutation_importances_cover_every_column(
    xy: tuple[pd.DataFrame, pd.Series],
) -> None:
    features, target = xy
    pipeline = build_pipeline("logistic", seed=0).fit(features, target)
    importances = feature_importances(pipeline, features, target, seed=0)
    assert set(importances) == set(features.columns)
    values = list(importances.values())
    assert values == sorted(values, reverse=True)
