"""Subgroup metrics with bootstrap intervals, and calibration."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from heart_disease.calibration import calibration
from heart_disease.subgroups import largest_gaps, subgroup_metrics


def frame_of(sexes: list[str], ages: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"Sex": sexes, "Age": ages})


def test_recall_by_sex_matches_a_hand_count() -> None:
    # Women: 4 sick, 2 found; men: 4 sick, all found.
    features = frame_of(["F"] * 6 + ["M"] * 6, [50] * 12)
    target = pd.Series([1, 1, 1, 1, 0, 0] * 2)
    probability = np.array([0.9, 0.8, 0.2, 0.1, 0.1, 0.6, 0.9, 0.8, 0.7, 0.6, 0.1, 0.2])
    groups = {
        (g.group, g.level): g for g in subgroup_metrics(features, target, probability)
    }
    women, men = groups["Sex", "F"], groups["Sex", "M"]
    assert (women.rows, women.positives) == (6, 4)
    assert women.recall.value == pytest.approx(0.5)
    assert women.specificity.value == pytest.approx(0.5)
    assert men.recall.value == pytest.approx(1.0)
    assert men.roc_auc.value == pytest.approx(1.0)
    assert women.recall.low is not None
    assert women.recall.high is not None
    assert women.recall.low <= 0.5 <= women.recall.high
    gaps = largest_gaps(list(groups.values()))
    assert gaps[0].startswith("Sex, recall (sick patients found): F 0.50")
    assert "a gap of 0.50" in gaps[0]


def test_roc_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(0)
    target = pd.Series(rng.integers(0, 2, 80))
    probability = np.round(rng.random(80), 1)  # many ties
    features = frame_of(["M"] * 80, [70] * 80)
    men = subgroup_metrics(features, target, probability)[0]
    assert men.roc_auc.value == pytest.approx(roc_auc_score(target, probability))


def test_age_bands_are_under_45_45_to_60_and_over_60() -> None:
    features = frame_of(["M"] * 6, [30, 44, 45, 60, 61, 80])
    target = pd.Series([0, 1, 0, 1, 0, 1])
    groups = subgroup_metrics(features, target, np.full(6, 0.5))
    ages = {g.level: g.rows for g in groups if g.group == "Age"}
    assert ages == {"<45": 2, "45-60": 2, ">60": 2}


def test_a_group_without_positives_has_no_recall() -> None:
    features = frame_of(["F", "F", "M", "M"], [50] * 4)
    target = pd.Series([0, 0, 1, 0])
    women = subgroup_metrics(features, target, np.array([0.2, 0.7, 0.9, 0.1]))[0]
    assert women.recall.value is None
    assert women.roc_auc.value is None
    assert women.specificity.value == pytest.approx(0.5)


def test_intervals_are_reproducible_with_the_seed() -> None:
    features = frame_of(["F", "M"] * 20, list(range(30, 70)))
    target = pd.Series([0, 1, 1, 0] * 10)
    probability = np.linspace(0.05, 0.95, 40)
    first = subgroup_metrics(features, target, probability, seed=3)
    assert first == subgroup_metrics(features, target, probability, seed=3)


def test_calibration_bins_brier_and_ece_by_hand() -> None:
    target = pd.Series([0, 0, 1, 1])
    probability = np.array([0.05, 0.15, 0.95, 1.0])
    summary = calibration(target, probability)
    assert [b.rows for b in summary.bins] == [1, 1, 2]
    assert summary.bins[-1].high == 1.0
    expected_ece = (0.05 + 0.15 + 2 * abs(1 - 0.975)) / 4
    assert summary.ece == pytest.approx(expected_ece)
    assert summary.brier == pytest.approx((0.05**2 + 0.15**2 + 0.05**2) / 4)


def test_a_perfectly_calibrated_model_has_zero_ece() -> None:
    target = pd.Series([0] * 8 + [1] * 2 + [0] * 2 + [1] * 8)
    probability = np.array([0.2] * 10 + [0.8] * 10)
    assert calibration(target, probability).ece == pytest.approx(0)
